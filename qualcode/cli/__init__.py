"""The command line: a thin layer over the library, one module per command group.

The root group is the one error boundary: a QualcodeError becomes ``error: <file>[:<line>]:
<message>`` on stderr and exit status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import click

from qualcode import __version__
from qualcode.errors import QualcodeError


class QualcodeGroup(click.Group):
    """Turns every QualcodeError raised by a command into one line and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            if ctx.meta.get("qualcode.debug"):
                raise
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(2)


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
@click.option("--debug", is_flag=True, help="Show a traceback instead of a one-line error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Code interview transcripts against a codebook: ingest, code, tabulate, export."""
    ctx.meta["qualcode.debug"] = debug


from qualcode.cli import agree as _agree  # noqa: E402
from qualcode.cli import analysis as _analysis  # noqa: E402
from qualcode.cli import code as _code  # noqa: E402
from qualcode.cli import codebook as _codebook  # noqa: E402
from qualcode.cli import export as _export  # noqa: E402
from qualcode.cli import ingest as _ingest  # noqa: E402
from qualcode.cli import manual as _manual  # noqa: E402
from qualcode.cli import pseudonymise as _pseudonymise  # noqa: E402
from qualcode.cli import run as _run  # noqa: E402
from qualcode.cli import serve as _serve  # noqa: E402
from qualcode.cli import suggest as _suggest  # noqa: E402

for _module in (_ingest, _codebook, _code, _manual, _agree, _analysis, _export, _run,
                _suggest, _serve, _pseudonymise):
    _module.register(main)
