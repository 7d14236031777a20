import Foundation

/// Inline SVG charts for the HTML report: no JavaScript, no external assets, readable in
/// print (labels are text, colours also differ in lightness). Every label is escaped.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double]
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    /// "Nice" axis maximum: 1, 2 or 5 times a power of ten, at least `v`.
    static func niceMax(_ v: Double) -> Double {
        if v <= 0 { return 1 }
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    /// Vertical bars, stacked when there are several series. `labels` sit under the bars,
    /// thinned to about `maxLabels`.
    static func bars(
        _ series: [Series], labels: [String], title: String, width: Double = 720, height: Double = 220,
        maxLabels: Int = 14
    ) -> String {
        let n = labels.count
        guard n > 0 else { return "" }
        let left = 44.0, right = 8.0, top = 12.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let totals = (0..<n).map { i in series.reduce(0) { $0 + ($1.values.indices.contains(i) ? $1.values[i] : 0) } }
        let maxV = niceMax(totals.max() ?? 0)
        let slot = plotW / Double(n)
        let barW = max(1, slot * 0.75)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(MarkupText.html(title))\" class=\"chart\">\n"
        svg += "<title>\(MarkupText.html(title))</title>\n"
        for k in 0...4 {
            let v = maxV * Double(k) / 4
            let y = top + plotH - plotH * Double(k) / 4
            svg += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(width - right))\" y2=\"\(fmt(y))\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(y + 4))\" class=\"axis\" text-anchor=\"end\">\(v == floor(v) ? String(Int(v)) : String(format: "%.1f", v))</text>\n"
        }
        for i in 0..<n {
            var y = top + plotH
            let x = left + Double(i) * slot + (slot - barW) / 2
            for s in series {
                let v = s.values.indices.contains(i) ? s.values[i] : 0
                guard v > 0 else { continue }
                let h = plotH * v / maxV
                y -= h
                svg +=
                    "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(barW))\" height=\"\(fmt(h))\" fill=\"\(s.color)\"><title>\(MarkupText.html(labels[i])): \(MarkupText.html(s.name)) \(Int(v))</title></rect>"
            }
        }
        let step = max(1, Int(ceil(Double(n) / Double(maxLabels))))
        for i in stride(from: 0, to: n, by: step) {
            let x = left + Double(i) * slot + slot / 2
            svg +=
                "<text x=\"\(fmt(x))\" y=\"\(fmt(height - bottom + 16))\" class=\"axis\" text-anchor=\"middle\">\(MarkupText.html(labels[i]))</text>"
        }
        if series.count > 1 {
            var lx = left
            for s in series {
                svg += "<rect x=\"\(fmt(lx))\" y=\"\(fmt(height - 14))\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
                svg += "<text x=\"\(fmt(lx + 14))\" y=\"\(fmt(height - 5))\" class=\"axis\">\(MarkupText.html(s.name))</text>"
                lx += 70
            }
        }
        svg += "\n</svg>"
        return svg
    }

    /// Horizontal bars with a label at the left of each, for top-N lists.
    static func horizontal(
        _ items: [(label: String, value: Double)], title: String, width: Double = 720, color: String = "#b3261e"
    ) -> String {
        guard !items.isEmpty else { return "" }
        let row = 22.0, left = 260.0, right = 60.0
        let height = Double(items.count) * row + 8
        let maxV = items.map(\.value).max() ?? 1
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(MarkupText.html(title))\" class=\"chart\">\n"
        svg += "<title>\(MarkupText.html(title))</title>\n"
        for (i, it) in items.enumerated() {
            let y = 4 + Double(i) * row
            let w = maxV > 0 ? (width - left - right) * it.value / maxV : 0
            var label = it.label
            if label.count > 38 { label = String(label.prefix(37)) + "…" }
            svg += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + 15))\" class=\"axis\" text-anchor=\"end\">\(MarkupText.html(label))</text>"
            svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(max(w, 1)))\" height=\"\(fmt(row - 8))\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(fmt(left + w + 4))\" y=\"\(fmt(y + 15))\" class=\"axis\">\(Int(it.value))</text>\n"
        }
        svg += "</svg>"
        return svg
    }

    /// Bars for what happened and a line for what was expected (a key's requests against its
    /// baseline).
    static func barsWithLine(
        observed: [Double], expected: [Double], labels: [String], title: String,
        width: Double = 720, height: Double = 180
    ) -> String {
        let base = bars(
            [Series(name: "observed", color: "#5b6b7a", values: observed)], labels: labels, title: title,
            width: width, height: height, maxLabels: 8)
        guard !observed.isEmpty, expected.count == observed.count, base.hasSuffix("</svg>") else { return base }
        let left = 44.0, right = 8.0, top = 12.0, bottom = 40.0
        let plotW = width - left - right, plotH = height - top - bottom
        let maxV = niceMax(observed.max() ?? 0)
        let slot = plotW / Double(observed.count)
        let points = expected.enumerated().map { i, v in
            "\(fmt(left + Double(i) * slot + slot / 2)),\(fmt(top + plotH - plotH * min(v, maxV) / maxV))"
        }.joined(separator: " ")
        var line = "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#d3541f\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
        line +=
            "<rect x=\"\(fmt(left))\" y=\"\(fmt(height - 14))\" width=\"10\" height=\"10\" fill=\"#5b6b7a\"/><text x=\"\(fmt(left + 14))\" y=\"\(fmt(height - 5))\" class=\"axis\">observed</text>"
        line +=
            "<line x1=\"\(fmt(left + 90))\" y1=\"\(fmt(height - 9))\" x2=\"\(fmt(left + 104))\" y2=\"\(fmt(height - 9))\" stroke=\"#d3541f\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/><text x=\"\(fmt(left + 108))\" y=\"\(fmt(height - 5))\" class=\"axis\">expected (baseline)</text>"
        return String(base.dropLast(6)) + line + "</svg>"
    }
}
