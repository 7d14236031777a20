extension EventStream {
    /// How far into the file on disk this input has been read: the compressed position for
    /// gzip (its size on disk is compressed), else the line reader's offset.
    var positionOnDisk: Int64 { source.compressedOffset ?? reader.offset }
}

extension Analyzer {
    /// The inputs' positions for `analyze --progress`, taken on the reading thread.
    static func progress(_ streams: [EventStream], startedAt: [Int64], lines: Int64) -> AnalysisProgress.Snapshot {
        AnalysisProgress.Snapshot(
            files: streams.enumerated().map { index, stream in
                AnalysisProgress.File(
                    path: stream.stats.path, done: stream.positionOnDisk, startedAt: startedAt[index],
                    // Standard input and a journal (journalctl's output) have no size to reach.
                    total: stream.source.isStdin || stream.source.journal != nil ? nil : stream.source.size)
            },
            lines: lines)
    }
}
