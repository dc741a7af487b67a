"""After departure, composed for reading: the suspension rule per unit (``overstay``), the enterprises'
scorecard (``scorecard``), their workbooks, the screens, and the dashboard's warning. The figures are the
registry's (``workers.overstay``); this package rolls them up the unit tree and lays them out."""
