import Dispatch

/// The metrics server's own executor: one serial queue that runs every task of the server
/// (Hummingbird's connection handlers and timers inherit it as their task executor).
///
/// Why: on the shared cooperative pool, which has one thread per core, anything else in the
/// process that blocks a pool thread (a synchronous wait) delays every answer and every
/// timeout of the endpoint; on a two-core machine two such waits stopped it for a minute. A
/// scrape endpoint needs little CPU, so one queue of its own is enough, and it stays
/// responsive whatever the rest of the process does.
final class MetricsTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "vigil-metrics")

    func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { unownedJob.runSynchronously(on: executor) }
    }
}
