import Foundation
import Testing

@testable import VigilCore

/// `analyze` on two threads (reading and decoding, detecting and committing), and the compact
/// structures that the speed and memory targets rest on.
@Suite struct PipelineTests {
    /// The reading thread interns while the detecting thread reads the strings of symbols it was
    /// handed: across page and chunk boundaries and probe-table growth, every string is intact.
    @Test func symbolsHandedToAnotherThreadReadBack() throws {
        let symbols = SymbolTable()
        let queue = EventBatchQueue(limit: 2)
        let total = 70_000  // more than four pages of entries
        let producer = Thread { [work = UncheckedSendable(symbols)] in
            var batch = EventBatch()
            for i in 0..<total {
                var e = Event()
                e.user = work.value.intern("user-\(i)-" + String(repeating: "x", count: i % 40))
                e.line = Int64(i)
                batch.events.append(e)
                if batch.events.count == 1000 {
                    guard queue.push(batch) else { return }
                    batch = EventBatch()
                }
            }
            _ = queue.push(batch)
            queue.finish()
        }
        producer.start()
        var seen = 0
        while let batch = try queue.pop() {
            for e in batch.events {
                let i = Int(e.line)
                #expect(symbols.string(e.user) == "user-\(i)-" + String(repeating: "x", count: i % 40))
                #expect(e.user.id == UInt32(i + 1), "ids are handed out in first-seen order")
                seen += 1
            }
        }
        #expect(seen == total)
        #expect(symbols.intern("user-5-xxxxx") == Symbol(id: 6))
        #expect(symbols.count == total)
        #expect(symbols.string(Symbol(id: UInt32(total + 1))) == nil)
    }

    struct Failure: Error {}

    @Test func aReadingFailureArrivesAfterTheBatchesBeforeIt() throws {
        let queue = EventBatchQueue()
        #expect(queue.push(EventBatch(events: [Event()])))
        queue.finish(error: Failure())
        #expect(try queue.pop()?.events.count == 1)
        #expect(throws: Failure.self) { try queue.pop() }
    }

    @Test func cancellingReleasesABlockedProducer() throws {
        let queue = EventBatchQueue(limit: 1)
        let pushed = LockedBox<[Bool]>([])
        let producer = Thread {
            for _ in 0..<3 { let ok = queue.push(EventBatch(events: [Event()])); pushed.update { $0.append(ok) } }
            queue.finish()
        }
        producer.start()
        while pushed.value.isEmpty { usleep(1000) }
        queue.cancel()
        queue.waitUntilFinished()
        #expect(pushed.value.first == true)
        #expect(pushed.value.dropFirst().allSatisfy { !$0 }, "pushes after a cancel are refused, not blocked")
    }

    /// 500 keys of generated MCP traffic (more than 65,536 lines a week) and the anomaly
    /// benchmark's policy, in `t`.
    static func generate(in t: TempDir, days: Int, seed: Int, to file: String) throws {
        try AnomalyEvaluationTests.policy.write(toFile: t.path("policy.yaml"), atomically: true, encoding: .utf8)
        let g = try runVigil(
            [
                "generate", "--keys", "500", "--days", "\(days)", "--incidents", "2", "--seed", "\(seed)",
                "--out", t.path(file), "--labels", t.path("labels.json"),
            ], tool: "vigil-traffic")
        #expect(g.status == 0, "\(g.err)")
    }

    /// Two inputs merged by time, with a checkpoint at every chance (every 65,536 events), give
    /// what one final checkpoint gives: findings, hourly counts and offsets; a second run then
    /// reads nothing again.
    @Test func checkpointsBetweenBatchesChangeNothing() throws {
        let t = TempDir()
        try Self.generate(in: t, days: 8, seed: 11, to: "all.jsonl")
        let lines = try String(contentsOfFile: t.path("all.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 2 * 65_536)
        for part in 0..<2 {
            let mine = lines.enumerated().filter { $0.offset % 2 == part }.map(\.element)
            try (mine.joined(separator: "\n") + "\n").write(toFile: t.path("part\(part).jsonl"), atomically: true, encoding: .utf8)
        }
        let (policy, enricher) = try PolicyLoader.load(t.path("policy.yaml")).usable()
        func run(_ db: String, checkpointLines: Int64) throws -> Analyzer.Summary {
            var options = Analyzer.Options()
            options.policy = policy
            options.enricher = enricher
            options.checkpointLines = checkpointLines
            return try Analyzer(store: FindingStore(path: t.path(db)), options: options).run(paths: [
                t.path("part0.jsonl"), t.path("part1.jsonl"),
            ])
        }
        let once = try run("once.sqlite", checkpointLines: 1 << 40)
        let often = try run("often.sqlite", checkpointLines: 1)
        #expect(once.events == Int64(lines.count) && often.events == once.events)
        let a = try FindingStore(path: t.path("once.sqlite")), b = try FindingStore(path: t.path("often.sqlite"))
        #expect(try a.findings(FindingQuery()) == b.findings(FindingQuery()))
        #expect(try !a.findings(FindingQuery()).isEmpty)
        #expect(try a.inputRecords().map(\.offset) == b.inputRecords().map(\.offset))
        #expect(try "\(a.hourlyCounts())" == "\(b.hourlyCounts())")
        let again = try run("often.sqlite", checkpointLines: 1)
        #expect(again.events == 0)
    }

    /// `analyze` killed (-9) after a checkpoint in the middle of its input, then run again:
    /// the offsets committed with that checkpoint match what had been analyzed, so the second
    /// run ends with the findings and hourly counts of one uninterrupted run.
    @Test func killedAfterAMidRunCheckpointResumesExactly() throws {
        let t = TempDir()
        try Self.generate(in: t, days: 10, seed: 12, to: "traffic.jsonl")
        let size = try FileManager.default.attributesOfItem(atPath: t.path("traffic.jsonl"))[.size] as! Int64
        let args = ["analyze", "--quiet", "--policy", t.path("policy.yaml"), "--checkpoint-lines", "1", t.path("traffic.jsonl")]
        let clean = try runVigil(args + ["--db", t.path("clean.sqlite")])
        #expect(clean.status == 0, "\(clean.err)")

        // The database exists (schema and all) before `analyze` starts, so polling it only reads.
        var store: FindingStore? = try FindingStore(path: t.path("killed.sqlite"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TailProcessTests.binary)
        p.arguments = args + ["--db", t.path("killed.sqlite")]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var killedAt: Int64 = -1
        var polls = 0, lastError = ""
        while p.isRunning {
            usleep(2_000)
            polls += 1
            do {
                guard let offset = try store?.inputRecords().first?.offset, offset > 0 else { continue }
                kill(p.processIdentifier, SIGKILL)
                killedAt = offset
                break
            } catch {
                lastError = "\(error)"
            }
        }
        store = nil
        p.waitUntilExit()
        #expect(
            killedAt > 0 && killedAt < size,
            "killed after a checkpoint in the middle (offset \(killedAt) of \(size)); \(polls) polls; \(lastError)")
        let resumed = try runVigil(args + ["--db", t.path("killed.sqlite")])
        #expect(resumed.status == 0, "\(resumed.err)")
        let a = try FindingStore(path: t.path("clean.sqlite")), b = try FindingStore(path: t.path("killed.sqlite"))
        #expect(try !a.findings(FindingQuery()).isEmpty)
        #expect(try a.findings(FindingQuery()) == b.findings(FindingQuery()))
        #expect(try "\(a.hourlyCounts())" == "\(b.hourlyCounts())")
    }

    /// Two processes (two hash seeds) analyzing the same logs leave the same bytes: detector
    /// state, decoder state and offsets, not only the same findings.
    @Test func sameInputSameStoredState() throws {
        let t = TempDir()
        let inputs = ["fixtures/sshd/auth.log", "fixtures/mcp/mcp-service-2026-11-05.jsonl", "fixtures/realdata/OpenSSH_2k.log"]
            .map { packageRoot.appendingPathComponent($0).path }
        for db in ["a.sqlite", "b.sqlite"] {
            // No --year: loghub's Dec 10 lines would be in the future in 2026 (refused, issue
            // 17); each file's year comes from its modification time, the same for both runs.
            let r = try runVigil(["analyze", "--quiet", "--db", t.path(db)] + inputs)
            #expect(r.status == 0, "\(r.err)")
        }
        let a = try FindingStore(path: t.path("a.sqlite")), b = try FindingStore(path: t.path("b.sqlite"))
        let sa = try a.loadState(), sb = try b.loadState()
        #expect(sa.keys.sorted() == sb.keys.sorted())
        for (name, data) in sa { #expect(sb[name] == data, "\(name)") }
        #expect(
            try a.inputRecords().map {
                "\($0.fingerprint) \($0.offset) \($0.decoderState.map { String(decoding: $0, as: UTF8.self) } ?? "")"
            }
                == b.inputRecords().map {
                    "\($0.fingerprint) \($0.offset) \($0.decoderState.map { String(decoding: $0, as: UTF8.self) } ?? "")"
                })
    }

    @Test func knownValuesKeepEachKindWithinItsCap() {
        var k = KnownValues()
        let forget: UInt32 = 1000
        var isNew = k.touch(.country, 0x4445, minute: 1, forgetMinutes: forget)
        #expect(isNew)
        isNew = k.touch(.country, 0x4445, minute: 2, forgetMinutes: forget)
        #expect(!isNew)
        // The same number as another kind is another value.
        isNew = k.touch(.asn, 0x4445, minute: 3, forgetMinutes: forget)
        #expect(isNew)
        // An IPv6 /48 (top bit set) keeps its bits.
        let v6: UInt64 = 1 << 63 | 0x2001_0db8_0001
        isNew = k.touch(.network, v6, minute: 4, forgetMinutes: forget)
        #expect(isNew)
        #expect(k.values(.network) == [v6])
        for tool in 0..<20 { _ = k.touch(.tool, UInt64(tool), minute: 10 + UInt32(tool), forgetMinutes: forget) }
        #expect(k.count(.tool) == 16)
        #expect(k.count(.country) == 1 && k.count(.asn) == 1 && k.count(.network) == 1)
        // Full: the tool unused longest (4, after 0–3 were replaced) makes room.
        #expect(!k.contains(.tool, 3) && k.contains(.tool, 4))
        isNew = k.touch(.tool, 99, minute: 40, forgetMinutes: forget)
        #expect(isNew)
        #expect(!k.contains(.tool, 4) && k.contains(.tool, 99))
        // Unused longer than the forget period: new again, with a new first use.
        isNew = k.touch(.country, 0x4445, minute: 2 + forget + 1, forgetMinutes: forget)
        #expect(isNew)
        #expect(k.entries(.country).first?.first == 2 + forget + 1)
        k.restore(.country, 0x5553, first: 5, last: 6)
        #expect(k.values(.country) == [0x4445, 0x5553])
    }

    @Test func recentHoursKeepTheLast24InOrder() {
        var r = RecentHours()
        let start: Int64 = 490_000
        for h in 0..<30 { r.append(hour: start + Int64(h) * 3, observed: UInt32(h), expected: Double(h) + 0.5) }
        let hours = r.hours
        #expect(hours.count == 24)
        #expect(hours.map(\.hour) == (6..<30).map { start + Int64($0) * 3 })
        #expect(hours.map(\.observed) == (6..<30).map { UInt32($0) })
        #expect(hours.last?.expected == 29.5)
        // An hour more than 65,535 hours after the oldest pushes out what it cannot be offset from.
        r.append(hour: start + 87 + 65_536, observed: 7, expected: 1)
        #expect(r.hours.map(\.hour) == [start + 87 + 65_536])
    }

    /// Kept per active API key and per live brute-force attempt: no padding to spare.
    @Test func evidenceSamplesStayCompact() {
        #expect(MemoryLayout<SampleRef?>.stride == 104)
        #expect(MemoryLayout<RecentHours>.size <= 248)
    }

    @Test func addressCacheAgreesWithADictionary() {
        var cache = AddressCache(capacity: 4)
        var reference: [UInt128: Int32] = [:]
        var rng = SplitMix64(seed: 42)
        for i in 0..<20_000 {
            // Mostly IPv4-mapped addresses from a few networks, some IPv6, some repeats.
            let r = rng.next()
            let key: UInt128 =
                r % 5 == 0 ? UInt128(r) << 64 | UInt128(rng.next()) : IPAddress(v4: UInt32(truncatingIfNeeded: r % 3000) | 0x0a00_0000).raw
            if let v = reference[key] {
                #expect(cache.find(key) == v)
            } else {
                #expect(cache.find(key) == nil)
                cache.insert(key, Int32(i))
                reference[key] = Int32(i)
            }
        }
        #expect(cache.count == reference.count)
        cache.removeAll()
        #expect(cache.count == 0 && cache.find(reference.keys.first!) == nil)
    }
}
