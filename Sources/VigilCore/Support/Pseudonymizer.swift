import Crypto
import Foundation

/// Keyed pseudonyms for `report --mask`: `user-` and the first 12 hex digits of
/// HMAC-SHA-256(secret, the whole value).
///
/// Why a keyed MAC: the pseudonyms were FNV hashes of a salt and the name, so `alice` and
/// `alicf` came out nearly alike, and anyone with a list of likely user names and no secret
/// could hash the list (the salt was empty unless set) and read the report's names back.
/// HMAC needs the secret for every guess, and one changed character changes the whole
/// pseudonym. Twelve hex digits are 48 bits: the chance that two of 10,000 names in one report
/// share a pseudonym is about 2 in 10 million.
package struct Pseudonymizer: Sendable {
    /// Where the key came from; the report says which, because only a configured secret gives
    /// pseudonyms that match between reports.
    package enum KeySource: Sendable, Equatable {
        /// `--mask-secret-file PATH`.
        case secretFile(String)
        /// An environment variable: `VIGIL_MASK_SECRET`, or the deprecated `VIGIL_MASK_SALT`.
        case environment(String)
        /// No secret configured: 32 random bytes, forgotten when the process ends.
        case oneOff
    }

    package static let digits = 12
    /// Below this many bytes a secret is guessable by brute force; it is used, with a warning.
    package static let recommendedSecretBytes = 16

    private let key: [UInt8]
    package let source: KeySource

    package init(secret: [UInt8], source: KeySource) {
        key = secret
        self.source = source
    }

    /// A key nobody knows, for one report: pseudonyms that cannot be reversed by guessing,
    /// but that do not match those of any other report.
    package static func oneOff() -> Pseudonymizer {
        var generator = SystemRandomNumberGenerator()
        return Pseudonymizer(secret: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }, source: .oneOff)
    }

    /// Whether the pseudonyms of this key match those of other reports made with the same one.
    package var isStable: Bool { source != .oneOff }

    /// `prefix` and 12 hex digits of HMAC-SHA-256(key, UTF-8 of `value`).
    package func pseudonym(_ value: String, prefix: String = "user-") -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: SymmetricKey(data: key))
        var hex = ""
        hex.reserveCapacity(Self.digits)
        for byte in code.prefix(Self.digits / 2) {
            let digits = String(byte, radix: 16)
            hex += digits.count == 1 ? "0" + digits : digits
        }
        return prefix + hex
    }

    /// The configured key: `--mask-secret-file` first, then `$VIGIL_MASK_SECRET`, then the
    /// deprecated `$VIGIL_MASK_SALT`; `nil` when none is set. Also returns warnings to print
    /// (a short secret, the deprecated variable). A secret file keeps its bytes but for
    /// trailing line breaks and spaces (`echo secret > file` must give the secret `secret`).
    package static func configured(secretFile: String?, environment: [String: String]) throws -> (Pseudonymizer, [String])? {
        var warnings: [String] = []
        let secret: [UInt8]
        let source: KeySource
        if let secretFile {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: secretFile)) } catch {
                throw VigilError.input(
                    path: secretFile, reason: "cannot read the mask secret (\(error.localizedDescription))",
                    hint: "Pass a readable file holding the secret to --mask-secret-file.")
            }
            var bytes = Array(data)
            while let last = bytes.last, last == 0x0a || last == 0x0d || last == 0x20 || last == 0x09 { bytes.removeLast() }
            guard !bytes.isEmpty else {
                throw VigilError.input(
                    path: secretFile, reason: "the mask secret file is empty",
                    hint: "Put a random secret in it, e.g. `head -c 32 /dev/urandom | base64 > \(secretFile)`.")
            }
            secret = bytes
            source = .secretFile(secretFile)
        } else if let value = environment["VIGIL_MASK_SECRET"], !value.isEmpty {
            secret = Array(value.utf8)
            source = .environment("VIGIL_MASK_SECRET")
        } else if let value = environment["VIGIL_MASK_SALT"], !value.isEmpty {
            secret = Array(value.utf8)
            source = .environment("VIGIL_MASK_SALT")
            warnings.append(
                "$VIGIL_MASK_SALT is deprecated: it is now the HMAC key, so pseudonyms differ from those of earlier reports. Use $VIGIL_MASK_SECRET or --mask-secret-file."
            )
        } else {
            return nil
        }
        if secret.count < recommendedSecretBytes {
            warnings.append(
                "the mask secret is \(secret.count) bytes; with fewer than \(recommendedSecretBytes) random bytes, names can be recovered by trying guesses. Use e.g. `head -c 32 /dev/urandom | base64`."
            )
        }
        return (Pseudonymizer(secret: secret, source: source), warnings)
    }
}
