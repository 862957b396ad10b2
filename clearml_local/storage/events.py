"""Events: console lines, scalars, plots and debug samples, and the last_metrics they update.

Rules from clearml-server apiserver/bll/event/event_bll.py.
"""
import functools
import hashlib
import json
from datetime import datetime, timezone

from .. import errors
from .lists import in_values
from .rows import Rows, _decode, now


def last_metric_entries(task):
    """The entries of a task's last_metrics ({metric hash: {variant hash: entry}}) as a list."""
    return [entry for variants in (task.get("last_metrics") or {}).values()
            for entry in variants.values()]


def _metric_columns(event):
    """(metric, variant, iter) of an event, as the events table and last_metrics keep them."""
    return event.get("metric") or "", event.get("variant") or "", event.get("iter") or 0


# ClearML Server indexes each event other than a log line under an id made of its task, iter,
# metric, variant and key, in the index of its type, and indexes it again under the same id
# ("overwrite if exists with same ID"); log lines get a new id each (bll/event/event_bll.py
# add_events, event_id_fields, _get_event_id). The unique index events_identity is that id:
# a log line's key is NULL, and NULLs never conflict. _get_event_id leaves out a field the
# event lacks, so an event without iter is apart from iter 0's: no_iter keeps it apart.
UPSERT_EVENT = (
    "INSERT INTO events (task, type, metric, variant, iter, key, value, timestamp, doc, no_iter)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (task, type, metric, variant, iter, key, no_iter) DO UPDATE SET"
    " value = excluded.value, timestamp = excluded.timestamp, doc = excluded.doc")


def _event_row(event):
    """The parameters of UPSERT_EVENT for one valid event."""
    doc = {k: v for k, v in event.items() if k != "method"} if "method" in event else dict(event)
    stamp = doc.get("timestamp")
    if stamp is None:
        stamp = doc["timestamp"] = int(datetime.now(timezone.utc).timestamp() * 1000)
    kind = event["type"]
    key = None if kind == "log" else "" if event.get("key") is None else str(event["key"])
    return (event["task"], kind, event.get("metric") or "", event.get("variant") or "",
            event.get("iter") or 0, key,
            event.get("value") if kind == "training_stats_scalar" else None, int(stamp),
            json.dumps(doc), int(event.get("iter") is None))


@functools.lru_cache(maxsize=4096)  # A batch names few metrics, many times each.
def _metric_key(name):
    return hashlib.md5(name.encode("utf-8")).hexdigest()


class Events(Rows):
    """Events by task, stored as ClearML Server identifies them."""

    def add_events(self, events):
        """Store a batch of events and return how many; see add_event_pieces."""
        return self.add_event_pieces([events])

    def add_event_pieces(self, pieces):
        """Store the events of pieces (lists of events, such as a large body parsed a piece at
        a time) as one batch, and return how many; scalars update last_metrics.

        An event other than a log line replaces the stored one of the same task, type, iter,
        metric, variant and key (UPSERT_EVENT), so a re-sent batch or a value re-reported at
        one iteration leaves one point. last_metrics count every event received, as ClearML
        Server's do (bll/event/event_bll.py _update_last_scalar_events_for_task adds to
        count, min and max on every event, an overwrite too).
        An event with model_event set is the model's whose id is in task: it updates that
        model's last_metrics and last_iteration instead (add_events, ModelBLL.update_statistics).
                Raises ValidationError naming the first invalid events (counting all), and then stores
        none.
        """
        with self.transaction():
            tasks, problems, invalid, count = {}, [], 0, 0
            for events in pieces:
                for index, event in enumerate(events, count):
                    problem = self._event_problem(event, tasks)
                    if problem:
                        invalid += 1
                        problems += [f"event {index}: {problem}"][:5 - len(problems)]
                count += len(events)
                if not invalid:  # After the first invalid event, the rest is only checked.
                    self._store_events(events, tasks)
            if invalid:
                raise errors.ValidationError(
                    f"{invalid} invalid events, none stored: " + "; ".join(problems),
                    invalid=invalid)
            for task in tasks.values():
                self._update("models" if task["model_event"] else "tasks", task["id"], {
                    "last_metrics": task["last_metrics"], "last_iteration": task["last_iteration"],
                    "last_update": now()})
        return count

    def _store_events(self, events, tasks):
        rows = []
        for event in events:
            rows.append(_event_row(event))
            task = tasks[event["task"]]
            if event["type"] == "training_stats_scalar":
                self._track_scalar(task, event)
            elif event.get("iter") is not None and event["type"] != "log":
                task["last_iteration"] = max(task["last_iteration"], event["iter"])
        self.db.executemany(UPSERT_EVENT, rows)

    def _event_problem(self, event, tasks):
        if not isinstance(event, dict):
            return "event must be an object"
        if not isinstance(event.get("task"), str):
            return "event has no task"
        if not isinstance(event.get("type"), str):
            return "event has no type"
        if event["type"] == "training_stats_scalar":
            if not isinstance(event.get("value"), (int, float)) or isinstance(event["value"], bool):
                return "scalar event value must be a number"
        if event.get("iter") is not None and not isinstance(event["iter"], int):
            return "event iter must be an integer"
        for text in ("metric", "variant"):
            if event.get(text) is not None and not isinstance(event[text], str):
                return f"event {text} must be a string"
        stamp = event.get("timestamp")
        if stamp is not None and (not isinstance(stamp, (int, float)) or isinstance(stamp, bool)
                                  or not -2**63 <= stamp < 2**63):
            return "event timestamp must be a number of milliseconds since 1970"
        if event["task"] not in tasks:
            owner = self._event_owner(event)
            if isinstance(owner, str):
                return owner
            tasks[event["task"]] = owner
        if tasks[event["task"]]["model_event"] != bool(event.get("model_event")):
            return f"inconsistent model_event setting for {event['task']!r}"
        if event.get("model_event") and event["type"] == "log":
            return "task log events are not supported for models"
        return None

    def _event_owner(self, event):
        """The task (or model, for a model event) an event is reported to, with the fields
        add_events updates, or why there is none. A published task or model takes events only
        with allow_locked (EventBLL._get_valid_entities: LOCKED_TASK_STATUSES, ready != True)."""
        table = "models" if event.get("model_event") else "tasks"
        state = "ready" if table == "models" else "status"
        row = self.db.execute(f"SELECT id, last_metrics, last_iteration, {state} FROM {table}"
                              " WHERE id = ?", (event["task"],)).fetchone()
        if row is None:
            return f"invalid {table[:-1]} id {event['task']!r}"
        if row[state] in (1, "published", "publishing") and not event.get("allow_locked"):
            return f"invalid {table[:-1]} id {event['task']!r}: it is published"
        owner = dict(_decode(table, row), model_event=table == "models")
        owner["last_iteration"] = owner["last_iteration"] or 0
        return owner

    @staticmethod
    def _track_scalar(task, event):
        metric, variant, iteration = _metric_columns(event)
        value = float(event["value"])
        by_variant = task["last_metrics"].setdefault(_metric_key(metric), {})
        entry = by_variant.get(_metric_key(variant))
        if entry is None:
            entry = by_variant[_metric_key(variant)] = {
                "metric": metric, "variant": variant, "first_value": value,
                "first_value_iteration": iteration, "min_value": value,
                "min_value_iteration": iteration, "max_value": value,
                "max_value_iteration": iteration, "count": 0}
        if iteration >= entry.get("last_iteration", iteration):
            entry.update(value=value, last_iteration=iteration)
        if value < entry["min_value"]:
            entry.update(min_value=value, min_value_iteration=iteration)
        if value > entry["max_value"]:
            entry.update(max_value=value, max_value_iteration=iteration)
        entry["count"] += 1
        task["last_iteration"] = max(task["last_iteration"], iteration)

    def get_events(self, task_id, event_type=None, metric=None, variant=None, order="asc",
                   limit=None, after_id=None, from_timestamp=None):
        """A task's events, oldest first (or newest first with order='desc'), those after
        after_id or from_timestamp (in that order) only when given."""
        where, args = ["task = ?"], [task_id]
        if event_type:
            types = event_type if isinstance(event_type, list) else [event_type]
            where.append(f"type IN ({', '.join('?' for _ in types)})")
            args += types
        for column, value in (("metric", metric), ("variant", variant)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if after_id is not None:
            where.append("id < ?" if order == "desc" else "id > ?")
            args.append(after_id)
        if from_timestamp is not None:
            where.append("timestamp < ?" if order == "desc" else "timestamp > ?")
            args.append(int(from_timestamp))
        direction = "DESC" if order == "desc" else "ASC"
        sql = (f"SELECT id, doc FROM events WHERE {' AND '.join(where)}"
               f" ORDER BY timestamp {direction}, id {direction}")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [dict(json.loads(row["doc"]), _seq=row["id"])
                for row in self.db.execute(sql, args)]

    def scalar_series(self, task_ids, metrics=None):
        """{task: {metric: {variant: [(iter, value, timestamp ms), ...]}}} of the given tasks'
        scalars (of the given metric names only, when given).

        The points come as plain tuples in one fetchall, and are cut into series by the counts
        of a second query, both read from the covering index events_scalars in its order: no
        table row visited, no Python work per point (the compare page reads 300,000)."""
        if not task_ids or metrics is not None and not metrics:
            return {}  # `IN ()` leaves SQLite no plan with the index forced ("no query solution").
        where, args = in_values("task", list(task_ids))
        where += " AND type = 'training_stats_scalar'"
        if metrics is not None:
            listed, metric_args = in_values("metric", list(metrics))
            where, args = f"{where} AND {listed}", args + metric_args
        cursor = self.db.cursor()
        cursor.row_factory = None
        table = "events INDEXED BY events_scalars"  # SQLite would pick events_identity.
        counts = cursor.execute(f"SELECT task, metric, variant, count(*) FROM {table}"
                                f" WHERE {where} GROUP BY task, metric, variant"
                                " ORDER BY task, metric, variant", args).fetchall()
        points = cursor.execute(f"SELECT iter, value, timestamp FROM {table} WHERE {where}"
                                " ORDER BY task, metric, variant, iter, key", args).fetchall()
        series, start = {}, 0
        for task, metric, variant, count in counts:
            series.setdefault(task, {}).setdefault(metric, {})[variant] = points[
                start:start + count]
            start += count
        return series

    def count_events(self, task_id, event_type):
        return self.db.execute("SELECT COUNT(*) FROM events WHERE task = ? AND type = ?",
                               (task_id, event_type)).fetchone()[0]

    def event_counts(self, task_id):
        """{type: how many} of a task's events."""
        return {row[0]: row[1] for row in self.db.execute(
            "SELECT type, COUNT(*) FROM events WHERE task = ? GROUP BY type", (task_id,))}

    def events_page(self, task_id, event_type, after=None, limit=1000):
        """Up to limit events of one type of a task in get_events' order (time, then
        arrival), those after the position `after` only; read along the index
        events_task_time, so that a task of millions of events is read a page at a time.
        Returns (events, the position after the last of them, or None past the end)."""
        where, args = "task = ? AND type = ?", [task_id, event_type]
        if after is not None:
            where += " AND (timestamp, id) > (?, ?)"
            args += list(after)
        rows = self.db.execute(f"SELECT id, timestamp, doc FROM events WHERE {where}"
                               " ORDER BY timestamp, id LIMIT ?", args + [limit]).fetchall()
        events = [dict(json.loads(row["doc"]), _seq=row["id"]) for row in rows]
        return events, ((rows[-1]["timestamp"], rows[-1]["id"]) if len(rows) == limit else None)

    def delete_events(self, task_id):
        with self.transaction():
            return self.db.execute("DELETE FROM events WHERE task = ?", (task_id,)).rowcount
