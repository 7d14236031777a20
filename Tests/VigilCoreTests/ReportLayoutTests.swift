import Foundation
import Testing

@testable import VigilCore

/// The report's HTML in a real browser (Debian's `chromium`, headless): no badge or table
/// header breaks inside a word at 1400 or 700 px. `overflow-wrap: anywhere` on every cell
/// once cut "Occurrences" into "Occurren-ces"-like pieces and "NOT MEASURED" into "NOT
/// MEASUR / ED" in narrow windows.
@Suite struct ReportLayoutTests {
    static let browser: URL? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .map { URL(fileURLWithPath: $0) }.first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// Runs in the browser before `--dump-dom` reads the page: for every word of every badge
    /// and header (and of the thresholds table, Vigil's own words), the rectangles of its characters' line boxes; a word on two lines is broken.
    /// The verdict goes into the DOM as JSON in `#wrap-result`.
    static let probe = """
        <script>
        (function () {
          var broken = [], checked = 0;
          document.querySelectorAll('.badge, .sev, th, table.compliance td').forEach(function (el) {
            checked += 1;
            var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), node;
            while ((node = walker.nextNode())) {
              var re = /\\S+/g, m;
              while ((m = re.exec(node.data))) {
                var range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                var lines = [];
                Array.prototype.forEach.call(range.getClientRects(), function (r) {
                  var top = Math.round(r.top);
                  if (r.width > 0 && lines.indexOf(top) < 0) lines.push(top);
                });
                if (lines.length > 1) broken.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + m[0] + '"');
              }
            }
          });
          var out = document.createElement('pre');
          out.id = 'wrap-result';
          out.textContent = JSON.stringify({ width: window.innerWidth, checked: checked, broken: broken });
          document.body.appendChild(out);
        })();
        </script>
        """

    /// The fixtures' report with the probe, written as a test copy: the real report's
    /// Content-Security-Policy forbids every script, so the copy drops it.
    static func probedReport(in dir: TempDir) throws -> URL {
        let database = try ReportTests.analyzed(dir)
        let report = try runVigil(["report", "--db", database, "--week", "2026-W45", "--as-of", "2026-11-10"])
        #expect(report.status == 0, "\(report.err)")
        var html = report.out
        let csp = try #require(html.range(of: #"<meta http-equiv="Content-Security-Policy"[^>]*>"#, options: .regularExpression))
        html.removeSubrange(csp)
        html = html.replacingOccurrences(of: "</body>", with: probe + "\n</body>")
        let url = dir.url.appendingPathComponent("probed.html")
        try html.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(
        .enabled(
            if: browser != nil || ProcessInfo.processInfo.environment["CI"] != nil,
            "skipped: chromium is not installed (apt-get install chromium; `make test` installs it). With CI set this test fails instead."
        ))
    func badgesAndHeadersNeverBreakInsideAWord() throws {
        let browser = try #require(Self.browser, "CI is set and chromium is not installed: apt-get install chromium")
        let dir = TempDir()
        let page = try Self.probedReport(in: dir)
        for width in [1400, 700] {
            let run = try runProcess(
                browser,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir.path("profile-\(width)"))",
                    "--window-size=\(width),2000", "--dump-dom", page.absoluteString,
                ])
            #expect(run.status == 0, "chromium: \(run.err)")
            let start = try #require(run.out.range(of: "<pre id=\"wrap-result\">"), "no probe result at \(width) px: \(run.err)")
            let end = try #require(run.out.range(of: "</pre>", range: start.upperBound..<run.out.endIndex))
            let json = String(run.out[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&amp;", with: "&")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
            #expect(result["width"] as? Int == width, "the window is \(width) px wide: \(json)")
            #expect((result["checked"] as? Int ?? 0) > 50, "the probe saw the badges and headers: \(json)")
            #expect((result["broken"] as? [String])?.isEmpty == true, "broken inside a word at \(width) px: \(json)")
        }
    }
}
