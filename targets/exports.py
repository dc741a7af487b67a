"""The due board's export, run as a report job (``portal.exports``): the job re-reads the board's filters from
its query and builds the board of the units its user sees when it runs."""
from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy

from portal.jobs import JobOutput
from targets import chase, services
from targets.forms import BoardFilterForm
from targets.workbooks import write_due_board_workbook

DUE_BOARD_EXPORT_LABEL = gettext_lazy("Monthly figures due board (Excel)")


def due_board(user, query: QueryDict) -> tuple[chase.Board, BoardFilterForm]:
    """The board of the units ``user`` sees, as filtered by ``query`` (year, level, status)."""
    form = BoardFilterForm(query or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = services.today()
    return chase.due_board(user=user, year=data.get("year") or today.year, today=today,
                           level=data.get("level") or None, status=data.get("status") or None), form


def due_board_export(user, query: QueryDict, *, job=None) -> JobOutput:
    board, _form = due_board(user, query)
    return JobOutput(result={"rows": len(board.rows)}, filename=f"han-nop-so-lieu-{board.year}.xlsx",
                     write=lambda fileobj: write_due_board_workbook(board, fileobj))
