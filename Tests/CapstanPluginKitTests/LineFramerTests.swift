import CapstanPluginKit
import Foundation
import Testing

/// Newline framing however reads cut the stream.
@Suite struct LineFramerTests {
    func lines(_ events: [LineFramer.Event]) -> [String] {
        events.map {
            switch $0 {
            case .line(let data): String(decoding: data, as: UTF8.self)
            case .tooLong(let bytes): "<too long: \(bytes)>"
            }
        }
    }

    @Test func aLineSplitAcrossReadsComesOutWhole() {
        var framer = LineFramer(maxLineBytes: 100)
        #expect(framer.append(Data(#"{"jsonrpc":"2.0","#.utf8)).isEmpty)
        #expect(framer.append(Data(#""id":1,"result":{}"#.utf8)).isEmpty)
        #expect(lines(framer.append(Data("}\n".utf8))) == [#"{"jsonrpc":"2.0","id":1,"result":{}}"#])
    }

    @Test func severalMessagesInOneRead() {
        var framer = LineFramer(maxLineBytes: 100)
        #expect(lines(framer.append(Data("a\nbb\nccc\ndd".utf8))) == ["a", "bb", "ccc"])
        #expect(lines(framer.append(Data("d\n".utf8))) == ["ddd"])
    }

    @Test func carriageReturnsAndEmptyLines() {
        var framer = LineFramer(maxLineBytes: 100)
        #expect(lines(framer.append(Data("a\r\n\nb\n".utf8))) == ["a", "", "b"])
    }

    @Test func aLineOverTheLimitIsReportedOnceAndSkipped() {
        var framer = LineFramer(maxLineBytes: 8)
        // The over-long line arrives in pieces; it is reported when it crosses the limit and
        // dropped up to its newline, and the next line comes through intact.
        #expect(lines(framer.append(Data("0123456".utf8))).isEmpty)
        #expect(lines(framer.append(Data("789abc".utf8))) == ["<too long: 13>"])
        #expect(lines(framer.append(Data("defgh".utf8))).isEmpty)
        #expect(lines(framer.append(Data("ij\nok\n".utf8))) == ["ok"])
    }

    @Test func exactlyTheLimitIsAccepted() {
        var framer = LineFramer(maxLineBytes: 4)
        #expect(lines(framer.append(Data("abcd\nabcde\nx\n".utf8))) == ["abcd", "<too long: 5>", "x"])
    }

    @Test func endOfInputFlushesALastUnterminatedLine() {
        var framer = LineFramer(maxLineBytes: 100)
        #expect(framer.append(Data("last words".utf8)).isEmpty)
        #expect(lines(framer.finish()) == ["last words"])
        #expect(framer.finish().isEmpty)
    }

    @Test func byteByByteFeedingGivesTheSameLines() {
        let text = "first\nsecond line\n\nthird\n"
        var framer = LineFramer(maxLineBytes: 100)
        let events = text.utf8.flatMap { framer.append([$0]) }
        #expect(lines(events) == ["first", "second line", "", "third"])
    }
}

/// The ring that keeps a plugin's last stderr lines.
@Suite struct RingBufferTests {
    @Test(arguments: [(0, [Int]()), (2, [1, 2]), (3, [1, 2, 3]), (4, [2, 3, 4]), (10, [8, 9, 10])])
    func keepsTheLastElementsOldestFirst(count: Int, kept: [Int]) {
        var ring = RingBuffer<Int>(capacity: 3)
        for value in 0..<count { ring.append(value + 1) }
        #expect(ring.elements == kept)
    }
}
