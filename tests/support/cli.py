"""Running the `tocsin` command in the test process (the `api_in_process` fixture serves it)."""

from tocsin.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`tocsin <argv>`: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
