import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Posts JSON with a timeout and turns the answer into a sink result.
///
/// Blocking by design: each sink runs on its own thread, so a receiver that hangs holds up
/// only its own queue, for at most `timeout` per attempt.
///
/// Redirects are never followed (`RedirectRefusal`): a 3xx is the answer, refused as a
/// misconfigured URL. Following them re-sent alerts wherever a receiver pointed (turning the
/// POST into a GET) and a redirect loop cost 20 requests per attempt.
struct HTTPPoster: Sendable {
    let url: URL
    let timeout: TimeInterval
    private let session: URLSession

    /// `timeout` is rounded up to whole seconds: below one second, libcurl (under
    /// FoundationNetworking on Linux) times out at once.
    init(url: URL, timeout: TimeInterval) {
        self.url = url
        let timeout = max(1, timeout.rounded(.up))
        self.timeout = timeout
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout
        session = URLSession(configuration: config, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    func post(json body: Data) -> AlertSinkResult {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("vigil/\(Vigil.version)", forHTTPHeaderField: "User-Agent")
        let outcome = LockedBox<AlertSinkResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            let result: AlertSinkResult
            if let error {
                let code = (error as NSError).code
                switch code {
                case NSURLErrorTimedOut: result = .retry("timed out after \(Int(timeout)) s")
                case NSURLErrorCannotConnectToHost: result = .retry("connection refused")
                case NSURLErrorCannotFindHost: result = .retry("host not found")
                default: result = .retry("\(error.localizedDescription)")
                }
            } else if let http = response as? HTTPURLResponse {
                switch http.statusCode {
                case 200..<300: result = .delivered
                case 300..<400: result = .reject(HTTPPoster.redirectRefused(http, from: url))
                case 408, 429, 500...: result = .retry("HTTP \(http.statusCode)")
                default: result = .reject("HTTP \(http.statusCode)")
                }
            } else {
                result = .retry("no HTTP response")
            }
            outcome.update { $0 = result }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            return .retry("timed out after \(Int(timeout)) s")
        }
        return outcome.value ?? .retry("no answer")
    }
}
