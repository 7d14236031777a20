/// Where in a policy file something was written (1-based line and column; 0 when unknown).
package struct SourceLocation: Sendable, Equatable, Codable {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, as compilers print it.
    package var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}
