import Foundation

/// The formats `vigil report` writes.
package enum ReportOutput {
    package enum Format: String, CaseIterable, Sendable {
        case html, md, json
    }

    package static func render(_ r: SecurityReport, as format: Format) throws -> String {
        switch format {
        case .html: return ReportHTML.render(r)
        case .md: return ReportMarkdown.render(r)
        case .json:
            let e = JSONEncoder.vigil
            e.outputFormatting.insert(.prettyPrinted)
            return String(decoding: try e.encode(r), as: UTF8.self) + "\n"
        }
    }
}
