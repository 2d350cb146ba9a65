@testable import CapstanCLI
import Testing

/// The `text/event-stream` parser the CLI follows the server with, fed as the network delivers: in pieces.
@Suite struct FollowStreamParserTests {
    static func parse(_ text: String, chunk: Int) -> (messages: [SSEMessage], parser: SSEParser) {
        var parser = SSEParser()
        let bytes = Array(text.utf8)
        var messages: [SSEMessage] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            messages += parser.feed(bytes[start..<min(start + chunk, bytes.count)])
        }
        return (messages, parser)
    }

    static let stream = """
        : events after 41

        id: 42
        event: stage.state_changed
        data: {"sequence":42}

        : heartbeat

        id: 43
        event: stage.log
        data: {"sequence":43}


        """

    @Test(arguments: [1, 2, 7, 1000])
    func splitsEventsWhateverTheChunks(_ chunk: Int) {
        let (messages, parser) = Self.parse(Self.stream, chunk: chunk)
        #expect(messages == [
            SSEMessage(id: "42", event: "stage.state_changed", data: #"{"sequence":42}"#),
            SSEMessage(id: "43", event: "stage.log", data: #"{"sequence":43}"#),
        ])
        #expect(parser.lastEventID == "43")
        #expect(parser.comments == 2)
    }

    @Test(arguments: ["\r\n", "\r", "\n"], [1, 3])
    func anyLineEndingWorks(_ ending: String, chunk: Int) {
        let text = ["id: 1", "data: a", "", "data:b", "data:  c", "", ""].joined(separator: ending)
        let (messages, _) = Self.parse(text, chunk: chunk)
        #expect(messages == [SSEMessage(id: "1", event: "message", data: "a"),
                             SSEMessage(id: "1", event: "message", data: "b\n c")])
    }

    @Test func aBlockWithoutDataDispatchesNothingButItsIDCounts() {
        let (messages, parser) = Self.parse("\u{FEFF}id: 7\n\nevent: x\n\nretry: 10\nfield\n\n", chunk: 2)
        #expect(messages.isEmpty)
        #expect(parser.lastEventID == "7")
    }

    @Test func anUnfinishedEventIsKeptForTheNextChunk() {
        var parser = SSEParser()
        #expect(parser.feed(Array("id: 5\nevent: stage.log\ndata: {}\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == [SSEMessage(id: "5", event: "stage.log", data: "{}")])
    }
}
