"""SQLite as Tocsin uses it: the threads of one process take the write lock in turn.

Every transaction takes SQLite's one write lock when it begins (`BEGIN IMMEDIATE`). A
connection that finds it taken sleeps and tries again, with pauses that grow to 100 ms, and
another writer may take the lock in between, again and again: under steady writes a thread can
wait seconds. The worker's threads (alert intake, the escalation engine, each delivery lane)
share one process, so here they queue for their turn on a lock of the process instead, in the
order they asked, and only then ask SQLite. Writers in other processes (the web processes'
short intake statements) still meet SQLite's own wait. A turn not given within the database
timeout is not waited for any longer: SQLite's wait decides then, as it would without this.
"""

import threading

from django.db.backends.sqlite3 import base

_turn = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_turn = False

    def _start_transaction_under_autocommit(self):
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._holds_turn = _turn.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _end_turn(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            _turn.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()
