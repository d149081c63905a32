"""What more than one test module needs, written once; fixtures stay in the conftest.py files.

- `samples`: the real wire-format payloads in tests/samples/.
"""
