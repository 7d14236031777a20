import Testing

@testable import VigilCore

@Suite struct EventTimeTests {
    @Test func parsesISO8601Variants() {
        let base = EventTime.millis(year: 2026, month: 11, day: 3, hour: 7, minute: 1, second: 2)
        #expect(ms("2026-11-03T07:01:02Z") == base)
        #expect(ms("2026-11-03T07:01:02.5Z") == base + 500)
        #expect(ms("2026-11-03T07:01:02.123456+00:00") == base + 123)
        #expect(ms("2026-11-03T08:01:02+01:00") == base)
        #expect(ms("2026-11-03T02:01:02-0500") == base)
        #expect(ms("2026-11-03 07:01:02") == base)
    }

    @Test func rejectsImpossibleDates() {
        for bad in ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-03T24:00:00Z", "2026-11-03T07:61:00Z", "2026-11-0"] {
            var s = bad
            let r = s.withUTF8 { EventTime.parseISO8601(UnsafeRawBufferPointer($0)) }
            #expect(r == nil, "\(bad)")
        }
    }

    @Test func formatsRoundTrip() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let t = Int64.random(in: 0..<4_102_444_800_000, using: &rng)
            #expect(ms(EventTime.format(t)) == t)
        }
        #expect(EventTime.format(0) == "1970-01-01T00:00:00.000Z")
    }

    @Test func durations() {
        #expect(DurationText.parse("5m") == 300_000)
        #expect(DurationText.parse("30s") == 30_000)
        #expect(DurationText.parse("2h") == 7_200_000)
        #expect(DurationText.parse("5") == nil)
        #expect(DurationText.parse("m") == nil)
        #expect(DurationText.format(1_800_000) == "30m")
    }

    /// Issue 17, item 6: one grammar for every --since/--until/--from/--to: dates, date-times
    /// with or without seconds and zone, relative durations, today and yesterday.
    @Test func userTimesInEveryForm() {
        let now = ms("2026-11-05T12:34:56Z")
        let eight = ms("2026-11-05T08:00:00Z")
        for form in ["2026-11-05 08:00", "2026-11-05T08:00", "2026-11-05T08:00Z", "2026-11-05T08:00:00Z", "2026-11-05T10:00+02:00"] {
            #expect(EventTime.parseUserTime(form, now: now) == eight, "\(form)")
        }
        #expect(EventTime.parseUserTime("24h", now: now) == now - EventTime.day)
        #expect(EventTime.parseUserTime("today", now: now) == ms("2026-11-05T00:00:00Z"))
        #expect(EventTime.parseUserEnd("yesterday", now: now) == ms("2026-11-05T00:00:00Z"), "a day's end is inclusive")
        #expect(EventTime.parseUserTime("2026-11-05T08:00Zulu", now: now) == nil)
    }
}
