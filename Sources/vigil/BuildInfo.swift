import VigilCore

/// What `vigil --version` prints: the version and what the binary was built with and links,
/// the facts a bug report needs. Compile-time facts come from `#if`; the libraries' versions
/// are asked at run time, since Vigil links the system's SQLite and libmaxminddb.
///
/// No git commit: Swift has no way to read a string from the build's environment without a
/// generated source file or a build plugin, and a source file written by the build would
/// dirty the tree. The version number is the release's.
enum BuildInfo {
    static var configuration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    static var compiler: String {
        #if compiler(>=6.5)
            "6.5 or later"
        #elseif compiler(>=6.4)
            "6.4"
        #elseif compiler(>=6.3.2)
            "6.3.2"
        #elseif compiler(>=6.3.1)
            "6.3.1"
        #elseif compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #elseif compiler(>=6.1)
            "6.1"
        #else
            "6.0"
        #endif
    }

    static var platform: String {
        #if os(Linux)
            let system = "Linux"
        #elseif os(macOS)
            let system = "macOS"
        #else
            let system = "unknown OS"
        #endif
        #if arch(x86_64)
            return system + " x86_64"
        #elseif arch(arm64)
            return system + " arm64"
        #else
            return system + " (other architecture)"
        #endif
    }

    /// The `--version` text: first line `vigil VERSION`, as scripts expect, then one fact a line.
    static var text: String {
        """
        vigil \(Vigil.version)
        build: \(configuration), Swift \(compiler) compiler, \(platform)
        SQLite: \(FindingStore.sqliteVersion)
        libmaxminddb: \(GeoIPDatabase.libraryVersion)
        """
    }
}
