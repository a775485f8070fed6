#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// An SVG document parsed with Foundation's XMLParser: parsing fails on anything that is not
/// well-formed XML, and the tree lets tests find marks and read their attributes.
final class SVGElement {
    let name: String
    let attributes: [String: String]
    var children: [SVGElement] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    subscript(_ attribute: String) -> String? { attributes[attribute] }

    func number(_ attribute: String) -> Double { Double(attributes[attribute] ?? "") ?? .nan }

    /// This element and its descendants, in document order.
    var all: [SVGElement] { [self] + children.flatMap(\.all) }

    /// Descendants named `name`, optionally with class `cls`.
    func find(_ name: String, cls: String? = nil) -> [SVGElement] {
        all.filter { $0.name == name && (cls == nil || $0["class"] == cls) }
    }

    /// The text of the `<title>` child, if any.
    var tooltip: String? { children.first { $0.name == "title" }?.text }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ svg: String) throws -> SVGElement {
        let parser = XMLParser(data: Data(svg.utf8))
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw ParseError(description: "not well-formed at line \(parser.lineNumber): \(String(describing: parser.parserError))")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: SVGElement?
        var stack: [SVGElement] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let element = SVGElement(name: name, attributes: attributes)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}
