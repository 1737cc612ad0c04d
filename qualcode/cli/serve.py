"""``qualcode serve``: the coding workspace in the browser."""

from __future__ import annotations

import click

from qualcode.cli.common import project_option


@click.command()
@project_option
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="Load this codebook's codes into the project first.")
@click.option("--coder", help="Who is coding (each browser tab can change it).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens the workspace to the network.")
@click.option("--port", default=8765, show_default=True, type=int,
              help="Port to listen on (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--pseudonymised", is_flag=True,
              help="Show a pseudonymised, read-only copy (the project's pseudonym map).")
def serve(project_path, codebook_path, coder, host, port, no_browser, pseudonymised):
    """Read, code, review and write memos in a local web page.

    Example: qualcode serve --project sample.qc --coder ann
    """
    from qualcode.web.server import make_server

    server = make_server(project_path, codebook_path=codebook_path, coder=coder, host=host,
                         port=port, pseudonymised=pseudonymised)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine and has "
                   "the address below (with its token) can read and change the project",
                   err=True)
    click.echo(f"qualcode workspace for {project_path}: {server.url}")
    click.echo("Press Ctrl-C to stop.")
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(server.url,)).start()
    server.run()


def register(group: click.Group) -> None:
    group.add_command(serve)
