"""The OpenAPI document against what the server does: schemathesis, bounded and seeded.

Starts a real `tocsin serve` on a fresh database (PostgreSQL when TOCSIN_DATABASE_URL is set,
SQLite otherwise) with the demo data, then lets schemathesis generate requests from
/api/v1/openapi.json as an admin and as a read-only viewer. Fails on any server error, any
answer that breaks the documented response schema, status code or content type, and on any
traceback in the server's log.

    .venv/bin/python .ci/api_fuzz.py [--max-examples 10] [--seed 20261202]
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BIN = Path(sys.executable).parent
CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "status_code_conformance",
        "content_type_conformance",
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres(url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def tocsin(env: dict, *argv: str) -> str:
    done = subprocess.run(
        [str(BIN / "tocsin"), *argv], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"tocsin {' '.join(argv)} failed:\n{done.stderr}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tocsin-api-fuzz-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOCSIN_")}
    port = free_port()
    env.update(
        TOCSIN_DATA_DIR=str(data_dir),
        TOCSIN_SECRET_KEY="api-fuzz-" + "k" * 50,
        TOCSIN_BASE_URL=f"http://127.0.0.1:{port}",
    )
    if url := os.environ.get("TOCSIN_DATABASE_URL"):
        env["TOCSIN_DATABASE_URL"] = fresh_postgres(url, "tocsin_api_fuzz")
    tocsin(env, "migrate", "-v", "0")
    tocsin(env, "demo")
    tokens = {
        person: tocsin(env, "token", "create", f"{person}@example.com", "--name", "api-fuzz")
        .strip()
        .splitlines()[0]
        for person in ("admin", "viewer")
    }

    log = data_dir / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(BIN / "tocsin"), "serve", "--port", str(port), "--workers", "2", "--no-worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    failed = []
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # Both people at once, each in a schemathesis of its own (its output in a file, shown
        # when it ends): the server has two web processes and the machine two cores.
        runs = {}
        for person, token in tokens.items():
            out = open(data_dir / f"schemathesis-{person}.log", "w")  # noqa: SIM115
            runs[person] = (
                out,
                subprocess.Popen(
                    [
                        str(BIN / "st"),
                        "run",
                        f"{base}/api/v1/openapi.json",
                        "--header",
                        f"Authorization: Bearer {token}",
                        "--checks",
                        CHECKS,
                        "--phases",
                        "examples,coverage,fuzzing",
                        "--max-examples",
                        str(args.max_examples),
                        "--seed",
                        str(args.seed),
                        # One worker: hypothesis describing its strategies from several threads at
                        # once has hit CPython 3.11's "AST constructor recursion depth mismatch".
                        "--workers",
                        "1",
                        "--no-color",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                ),
            )
        for person, (out, run) in runs.items():
            returncode = run.wait()
            out.close()
            print(f"\n==== schemathesis as {person} ====", flush=True)
            print(Path(out.name).read_text(), flush=True)
            if returncode:
                failed.append(person)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    if "Traceback" in output:
        print("\n==== tracebacks in the server's log ====")
        print(output[output.index("Traceback") - 2000 :][:6000])
        failed.append("server log")
    if failed:
        print(f"\napi-fuzz failed: {', '.join(failed)}")
        return 1
    print("\napi-fuzz: no server error, every answer as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
