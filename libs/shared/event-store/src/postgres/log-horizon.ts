/**
 * The first transaction id readers of the global log may not pass (an SQL expression of type xid8): the oldest write
 * transaction of this database still running at the statement's snapshot, else the snapshot's xmax. Every event below
 * it is committed, or never will be, so a reader standing past it cannot have skipped one.
 *
 * `pg_snapshot_xmin` alone would do, but it covers the whole PostgreSQL server: any write transaction of any other
 * database held every reader of this log back while it ran, so a long migration or a stuck session elsewhere on a
 * shared server froze the projections, the subscriptions, the seals and the lag for its whole length. A running id is
 * passed over only when it is known to belong to another database: the session holding its lock, and showing it as its
 * own, is connected to another database (a session's database never changes). An id not known so (a prepared
 * transaction, a session just gone) holds readers back, as before.
 */
export const LOG_HORIZON = `(WITH snapshot AS (SELECT pg_current_snapshot() AS s),
    elsewhere AS (
      SELECT l.transactionid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted AND a.backend_xid = l.transactionid
         AND a.datid <> (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
  SELECT coalesce(
           (SELECT min(x) FROM pg_snapshot_xip(snapshot.s) AS x WHERE NOT EXISTS (SELECT 1 FROM elsewhere WHERE elsewhere.transactionid = x::xid)),
           pg_snapshot_xmax(snapshot.s))
    FROM snapshot)`;
