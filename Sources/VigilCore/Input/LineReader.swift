#if canImport(Glibc)
    import Glibc
#endif

/// One line handed out by `LineReader`; `bytes` is valid until the next call to `next()`.
package struct Line {
    package var bytes: UnsafeRawBufferPointer
    /// 1-based line number within the input.
    package var number: Int64
    /// Byte offset just past this line's newline (or its end, for an unterminated last line).
    var endOffset: Int64
    /// True when the line was longer than the reader's limit and was cut.
    package var truncated: Bool
}

/// Splits a byte stream into lines with one reused buffer and `memchr`.
///
/// No per-line allocation: `next()` returns a view into the buffer. `\r\n` endings are
/// normalized, a missing final newline still yields the last line, and over-long lines are
/// cut at `maxLineLength` and flagged rather than growing memory without bound.
package final class LineReader {
    static let defaultMaxLineLength = 4 << 20

    private let source: InputSource
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var eof = false
    private var skippingOverlong = false
    let maxLineLength: Int
    /// Following a growing file (`tail`): running out of bytes means "nothing yet", not the
    /// end, and a last line without its newline is held back until the newline arrives.
    package var follow = false
    /// Asked before each read in follow mode; false stops reading (the file was truncated or
    /// replaced under us, and what is at our offset now belongs to other content).
    var readGuard: (() -> Bool)?
    /// Set by `releasePartialLine()`: hand out the held-back partial line once.
    private var releasePartial = false
    /// Absolute stream offset of `buffer[0]`.
    private var baseOffset: Int64
    private(set) var lineNumber: Int64
    /// Offset just past the last line handed out.
    package private(set) var offset: Int64

    package init(
        source: InputSource, startOffset: Int64 = 0, startLine: Int64 = 0,
        bufferSize: Int = 1 << 20, maxLineLength: Int = LineReader.defaultMaxLineLength
    ) {
        self.source = source
        self.capacity = bufferSize
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        self.maxLineLength = max(maxLineLength, 16)
        self.baseOffset = startOffset
        self.offset = startOffset
        self.lineNumber = startLine
    }

    deinit { buffer.deallocate() }

    /// Reads ahead until at least `count` bytes from the current position are buffered (or the
    /// input ends) and returns them without consuming. Used to fingerprint and sniff inputs.
    func peek(_ count: Int) throws -> UnsafeRawBufferPointer {
        while end - start < count && !eof {
            // 0 with a full buffer: it holds at most one longest line, and never more.
            if try fill() == 0 && (follow || end - start >= capacity) { break }
        }
        return UnsafeRawBufferPointer(start: buffer + start, count: min(count, end - start))
    }

    /// The bytes ahead as far as the first `lines` complete lines, the end of the input, or
    /// `maxBytes`, whatever comes first: enough to recognize a format by whole lines, however
    /// long the first one is (a fixed 1 KiB refused a JSON log whose first line was longer).
    func peekLines(_ lines: Int, maxBytes: Int) throws -> UnsafeRawBufferPointer {
        var want = 4096
        while true {
            let bytes = try peek(want)
            var newlines = 0
            var cursor = bytes.baseAddress
            var left = bytes.count
            while left > 0, newlines < lines, let base = cursor, let found = memchr(base, 0x0a, left) {
                newlines += 1
                let next = UnsafeRawPointer(found) + 1
                left -= base.distance(to: next)
                cursor = next
            }
            if newlines >= lines || bytes.count < want || want >= maxBytes { return bytes }
            want = min(want * 2, maxBytes)
        }
    }

    package func next() throws -> Line? {
        while true {
            if start < end, let nl = memchr(buffer + start, 0x0a, end - start) {
                let nlIndex = buffer.distance(to: nl)
                let lineStart = start
                start = nlIndex + 1
                if skippingOverlong {
                    skippingOverlong = false
                    offset = baseOffset + Int64(start)
                    continue
                }
                var len = nlIndex - lineStart
                if len > 0 && buffer.load(fromByteOffset: lineStart + len - 1, as: UInt8.self) == 0x0d { len -= 1 }
                lineNumber += 1
                offset = baseOffset + Int64(start)
                return Line(
                    bytes: UnsafeRawBufferPointer(start: buffer + lineStart, count: len),
                    number: lineNumber, endOffset: offset, truncated: false)
            }
            if eof || (releasePartial && start < end) {
                releasePartial = false
                guard start < end else { return nil }
                let lineStart = start
                var len = end - start
                start = end
                offset = baseOffset + Int64(start)
                if skippingOverlong { skippingOverlong = false; return nil }
                if len > 0 && buffer.load(fromByteOffset: lineStart + len - 1, as: UInt8.self) == 0x0d { len -= 1 }
                lineNumber += 1
                return Line(
                    bytes: UnsafeRawBufferPointer(start: buffer + lineStart, count: len),
                    number: lineNumber, endOffset: offset, truncated: false)
            }
            let pending = end - start
            if skippingOverlong && pending > 0 {
                // Still inside an over-long line already reported: drop what we have.
                baseOffset += Int64(end)
                start = 0; end = 0
            } else if pending >= maxLineLength {
                // A line longer than the limit: hand out the first part flagged, skip the rest.
                lineNumber += 1
                skippingOverlong = true
                let lineStart = start
                start = end
                offset = baseOffset + Int64(start)
                return Line(
                    bytes: UnsafeRawBufferPointer(start: buffer + lineStart, count: pending),
                    number: lineNumber, endOffset: offset, truncated: true)
            }
            if try fill() == 0 && follow && !eof { return nil }
        }
    }

    /// Whether the source ended and every line was handed out.
    var isAtEnd: Bool { eof && start >= end }

    /// Stops reading the source but keeps handing out the complete lines already buffered
    /// (a file truncated under us: what follows our position is someone else's data now).
    func freeze() { frozen = true }
    private var frozen = false

    /// The stream's first bytes (up to `firstBytesLimit`) as they were read: a followed file's
    /// fingerprint comes from these, not from the file now, which may already hold other content.
    private(set) var firstBytes: [UInt8] = []
    static let firstBytesLimit = 1024

    /// Bytes read from the source but not yet handed out: in follow mode, a partial line.
    var pendingBytes: Int { end - start }

    /// Bytes taken from the source so far (the position of the next `read`).
    var readPosition: Int64 { baseOffset + Int64(end) }

    /// Hands out a held-back partial line on the next `next()`: for writers that never finish
    /// their last line.
    func releasePartialLine() { releasePartial = true }

    /// The source will not grow any more (a rotated file being closed, a closed pipe): the
    /// last line is handed out even without its newline.
    func finish() { eof = true }

    /// Returns the number of bytes read; 0 at the end of input, or in follow mode when
    /// nothing new has been written yet.
    @discardableResult
    private func fill() throws -> Int {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            baseOffset += Int64(start)
            start = 0
            end = pending
        }
        if end == capacity {
            let newCapacity = min(capacity * 2, maxLineLength + 1)
            if newCapacity > capacity {
                let nb = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                nb.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = nb
                capacity = newCapacity
            }
        }
        let room = capacity - end
        if frozen && !follow { eof = true }
        if room == 0 || frozen { return 0 }
        if follow, let guardCheck = readGuard, !guardCheck() {
            frozen = true
            return 0
        }
        let n = try source.read(into: buffer + end, count: room)
        if n > 0 && baseOffset + Int64(end) < Int64(LineReader.firstBytesLimit) && firstBytes.count == Int(baseOffset) + end {
            let take = min(n, LineReader.firstBytesLimit - firstBytes.count)
            firstBytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer + end, count: take))
        }
        if n == 0 {
            if !follow || source.ended { eof = true }
        } else {
            end += n
        }
        return n
    }
}
