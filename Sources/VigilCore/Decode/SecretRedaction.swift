/// Keeps secrets that logs carry by accident out of everything Vigil stores: decoders intern
/// user names and resources through it, so no finding, evidence, alert or report can hold
/// what it removed.
///
/// - A **resource** (a request path, an MCP `resource_uri`) loses its query string and
///   fragment (`?api_key=…`, `#access_token=…`), the user and password of an absolute URL
///   (`https://user:pw@host/…` becomes `https://host/…`) and path parameters
///   (`/cart;jsessionid=…`). Detection needs which resource was asked for, never these.
/// - A **user name** is kept only when it is plausible as a login name; otherwise it is
///   `[redacted:1a2b3c]`, with 24 bits of its FNV-1a hash: enough to see that the same string
///   came again, too few to confirm a guessed password. People type passwords into the user
///   prompt, and sshd logs them as the user ("Failed password for invalid user Summer2024!").
///
/// Byte-level and allocation-free on the common path (nothing to remove), as decoders are hot.
enum SecretRedaction {
    /// Longest user name kept: Linux allows 32 bytes; `user@example.com` forms get room too.
    static let longestLoginName = 64

    /// Whether `name` looks like a login name rather than a password: 1–64 bytes of letters,
    /// digits and `. _ - @ $ \`, starting with a letter, digit or `_`, and not mixing
    /// upper case, lower case and digits all three (`Summer2024`, `P4ssword`; `Admin`, `user01`
    /// and `oracle` are kept).
    static func isPlausibleLoginName(_ name: UnsafeRawBufferPointer) -> Bool {
        guard !name.isEmpty, name.count <= longestLoginName else { return false }
        var upper = false
        var lower = false
        var digit = false
        for (index, byte) in name.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): lower = true
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = true
            case UInt8(ascii: "_"): break
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "$"), UInt8(ascii: "\\"):
                if index == 0 { return false }
            default: return false
            }
        }
        return !(upper && lower && digit)
    }

    private static let markerPrefix: [UInt8] = Array("[redacted:".utf8)
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The user name as stored: itself when plausible, else its redacted marker.
    static func loginName(_ name: UnsafeRawBufferPointer, symbols: SymbolTable) -> Symbol {
        if isPlausibleLoginName(name) { return symbols.intern(name) }
        let hash = StableHash.fnv1a(name) >> 40
        let prefix = markerPrefix
        let digits = hexDigits
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefix.count + 7) { marker in
            for (index, byte) in prefix.enumerated() { marker[index] = byte }
            for position in 0..<6 {
                marker[prefix.count + position] = digits[Int((hash >> UInt64(20 - 4 * position)) & 0xf)]
            }
            marker[prefix.count + 6] = UInt8(ascii: "]")
            return symbols.intern(UnsafeRawBufferPointer(marker))
        }
    }

    /// The resource as stored (see the type's doc); `scratch` is the decoder's reused buffer.
    static func resource(_ uri: UnsafeRawBufferPointer, symbols: SymbolTable, scratch: inout [UInt8]) -> Symbol {
        var needsWork = false
        for byte in uri
        where byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "@") {
            needsWork = true
            break
        }
        if !needsWork { return symbols.intern(uri) }
        scratch.removeAll(keepingCapacity: true)
        // The end of the part that is kept: before the query string or fragment.
        var end = uri.count
        for (index, byte) in uri.enumerated() where byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") {
            end = index
            break
        }
        var index = 0
        // `scheme://user:password@host`: keep `scheme://`, drop up to the last `@` of the
        // authority (which ends at the first `/` after it).
        if let schemeEnd = schemeSeparator(uri, before: end) {
            let authorityStart = schemeEnd + 3
            var authorityEnd = authorityStart
            while authorityEnd < end && uri[authorityEnd] != UInt8(ascii: "/") { authorityEnd += 1 }
            scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: uri[0..<authorityStart]))
            var hostStart = authorityStart
            for at in authorityStart..<authorityEnd where uri[at] == UInt8(ascii: "@") { hostStart = at + 1 }
            scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: uri[hostStart..<authorityEnd]))
            index = authorityEnd
        }
        // Path parameters: `;anything` up to the next `/`.
        var inParameter = false
        while index < end {
            let byte = uri[index]
            if byte == UInt8(ascii: "/") { inParameter = false }
            if byte == UInt8(ascii: ";") { inParameter = true }
            if !inParameter { scratch.append(byte) }
            index += 1
        }
        return scratch.withUnsafeBytes { symbols.intern($0) }
    }

    /// Where `://` follows a scheme (letters, digits, `+ - .`, starting with a letter).
    private static func schemeSeparator(_ uri: UnsafeRawBufferPointer, before end: Int) -> Int? {
        var index = 0
        while index < end {
            let byte = uri[index]
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isSchemeByte =
                isLetter || (index > 0 && ((byte >= 0x30 && byte <= 0x39) || byte == 0x2b || byte == 0x2d || byte == 0x2e))
            if !isSchemeByte { break }
            index += 1
        }
        guard index > 0, index + 2 < end, uri[index] == UInt8(ascii: ":"), uri[index + 1] == UInt8(ascii: "/"),
            uri[index + 2] == UInt8(ascii: "/")
        else { return nil }
        return index
    }
}
