/// Everything Vigil keeps, as one backend provides it: the union of the store's roles.
///
/// Code depends on the one role it uses (`CheckpointStore` for the pipeline, `AlertOutbox`
/// for the dispatcher and the metrics, `ReportQueries` for the report, `StatusQueries`,
/// `TriageStore`, `RetentionStore`, `FindingListing` for the commands), so each can be tested
/// against a small fake, and only the command line, which opens the database, names this.
/// Adding a backend is one new type conforming to `StoreBackend` and the place that picks
/// it from `--db`. `FindingStore` (SQLite) is the only one today.
///
/// What a PostgreSQL backend would implement, and what it must keep:
/// - `CheckpointStore.commit` as one transaction: upserts of findings by id keeping the
///   worst severity (`ON CONFLICT … DO UPDATE`), hourly counts added, input records and
///   detector state replaced, and the alert outbox rows for new or escalated, unsuppressed
///   findings, with the per-sink backlog limit giving way by severity (a less severe waiting
///   alert is dropped for a more severe one; a P1 never is). Crash recovery depends on this
///   atomicity.
/// - `ReportQueries` from the typed values: its own aggregate queries and indexes (the
///   SQLite one uses a covering index on first_seen; the untriaged and suppressed tests are
///   `EXISTS` over suppressions), safe to run concurrently.
/// - `AlertOutbox` readable and writable from the sink threads while commits go on.
/// - `RetentionStore.prune` without the `VACUUM` (the server reclaims space itself).
/// - Its errors as `VigilError.store` at its boundary, as `FindingStore+Errors.swift` does,
///   so callers keep handling one error type.
package protocol StoreBackend: CheckpointStore, AlertOutbox, TriageStore, RetentionStore, ReportQueries, StatusQueries, FindingListing,
    ReanalysisStore
{}
