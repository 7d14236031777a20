import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program Vigil reads from (journalctl for `journal:` inputs): its standard output is a
/// pipe `InputSource` reads like a file, its standard error is kept for the error message.
///
/// Started with `posix_spawn` rather than Foundation's `Process`, so that the descriptors are
/// plain, nothing runs on another thread, and closing the input ends the program at once
/// (a `journalctl --follow` would otherwise wait for ever on an idle journal).
final class ChildProcess {
    /// The read end of the program's standard output.
    let output: Int32
    private let errors: Int32
    private var pid: pid_t
    private let input: String
    private let program: String

    /// Starts `executable` with `arguments`; `input` names the Vigil input in errors.
    init(_ executable: String, _ arguments: [String], input: String) throws {
        self.input = input
        program = URL(fileURLWithPath: executable).lastPathComponent
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { throw Self.failure(input, "cannot create a pipe", errno) }
        guard pipe(&errorPipe) == 0 else {
            Glibc.close(outputPipe[0]); Glibc.close(outputPipe[1])
            throw Self.failure(input, "cannot create a pipe", errno)
        }
        // Not inherited by other children (a second journal input's journalctl would hold this
        // one's pipe open).
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies: the program keeps exactly 0, 1 and 2.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child = pid_t()
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        Glibc.close(outputPipe[1])
        Glibc.close(errorPipe[1])
        guard status == 0 else {
            Glibc.close(outputPipe[0]); Glibc.close(errorPipe[0])
            throw Self.failure(input, "cannot start \(executable)", status)
        }
        pid = child
        output = outputPipe[0]
        errors = errorPipe[0]
    }

    deinit { terminate() }

    private static func failure(_ input: String, _ what: String, _ code: Int32) -> VigilError {
        // Out of descriptors: a journal directory of many hosts runs one journalctl (two pipes)
        // per host at once.
        let hint =
            code == EMFILE || code == ENFILE
            ? "Too many journals open at once (one journalctl per host of a directory): raise the open-file limit (ulimit -n, LimitNOFILE=) or split the directory's hosts into several inputs."
            : "Check that journalctl is installed and runs."
        return VigilError.input(path: input, reason: "\(what) (\(String(cString: strerror(code))))", hint: hint)
    }

    /// Called at the end of the output: waits for the program and throws, with what it wrote
    /// on standard error, when it failed.
    func finish() throws {
        guard pid > 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = 0
        let message = String(decoding: drainErrors(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        Glibc.close(errors)
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard !exited || code != 0 else { return }
        let how = exited ? "exited with status \(code)" : "was killed by signal \(status & 0x7f)"
        throw VigilError.input(
            path: input, reason: "\(program) \(how)\(message.isEmpty ? "" : ": \(message)")",
            hint:
                "Run the journalctl command by hand to see why; a journal Vigil cannot read needs read access (group systemd-journal or adm)."
        )
    }

    /// Ends the program (an input closed before its end, a tail stopping) and reaps it.
    func terminate() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = 0
        Glibc.close(errors)
    }

    /// What the program wrote on standard error (at most 64 KiB; it is read once it ended).
    private func drainErrors() -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while collected.count < 1 << 16 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(errors, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            collected.append(contentsOf: chunk[0..<count])
        }
        return collected
    }

    /// Runs a program to its end and returns its standard output (small outputs only).
    static func run(_ executable: String, _ arguments: [String], input: String) throws -> [UInt8] {
        let child = try ChildProcess(executable, arguments, input: input)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(child.output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            collected.append(contentsOf: chunk[0..<count])
        }
        Glibc.close(child.output)
        try child.finish()
        return collected
    }
}
