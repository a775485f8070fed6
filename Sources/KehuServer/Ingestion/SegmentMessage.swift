import KehuIngest
import KehuModel
import KehuStore

/// Turns Segment messages (track, page, screen, identify ...) into Kehu event records.
///
/// Mapping (docs/api.md has the full table): `messageId` → event id; `userId` → `member:`,
/// `anonymousId` → `anon:`, `context.traits` phone / email (hashed with the workspace salt),
/// unionid / openid → keys; `timestamp` (else `originalTimestamp`, else the time received) →
/// ts; `properties` order_id, total (else revenue) → amount in fen, price → list price,
/// quantity, sku (else product_id), category, channel; `context.campaign` name / medium /
/// content → campaign / touchpoint / content.
///
/// Errors name the field and the message's place in the batch and never repeat the value.
struct SegmentMessageMapper {
    let mapping: SegmentMapping
    let hasher: KeyHasher
    let zone: ZoneRules
    /// When the request arrived (UTC ms): the time of messages without a timestamp.
    let receivedAt: Int64
    /// The request body.
    let tape: JSONTape
    /// The batch's own `context`, for messages that carry none (analytics-python sends it there).
    var sharedContext: JSONTape.Index? = nil

    typealias Node = JSONTape.Index

    /// The members of `properties` that map to event fields.
    struct Properties {
        var currency, channel, orderID, total, revenue, price, quantity, sku, productID, category, campaign, touchpoint,
            content: Node?
    }

    /// What became of one message.
    enum Outcome {
        /// Events to store (two for `Order Completed`: the order and its payment).
        case events([EventRecord])
        /// Identity keys to link into one consumer (identify, alias).
        case link(IdentityLinkRecord)
        /// Acknowledged and not stored, with the reason.
        case ignored(String)
    }

    /// The value of `name` in `object`, if `object` is an object that has it.
    func member(_ object: Node?, _ name: StaticString) -> Node? {
        guard let object else { return nil }
        return tape.member(object, name)
    }

    /// Whether the value is JSON null.
    func isNull(_ node: Node) -> Bool { tape.kind(node) == .null }

    /// The message's context: its own, else the batch's.
    func contextNode(_ message: Node) -> Node? {
        tape.member(message, "context") ?? sharedContext
    }

    /// Maps one message. `path` is its place for error messages (`batch[3]`, or empty for a
    /// single-message endpoint); `type` is the endpoint's message type when it implies one.
    /// `path` is evaluated only for an error message.
    func map(_ message: Node, path: @autoclosure () -> String, type impliedType: String?) throws -> Outcome {
        func field(_ name: String) -> String {
            let path = path()
            return path.isEmpty ? name : path + "." + name
        }
        guard tape.kind(message) == .object else {
            let path = path()
            throw APIError.badRequest("\(path.isEmpty ? "body" : path): expected a message object, got \(tape.typeName(message))")
        }
        let type: String
        if let impliedType {
            type = impliedType
        } else {
            guard let given = tape.member(message, "type") else {
                throw APIError.badRequest("\(field("type")): missing (expected track, page, screen, identify, alias or group)")
            }
            guard tape.kind(given) == .string, let text = tape.text(given) else {
                throw APIError.badRequest("\(field("type")): expected a string, got \(tape.typeName(given))")
            }
            type = text
        }

        let kind: EventKind
        var eventName: String?
        switch type {
        case "track":
            guard let name = tape.member(message, "event"), tape.kind(name) == .string, let text = tape.text(name), !text.isEmpty else {
                throw APIError.badRequest("\(field("event")): a track message needs the event name as a non-empty string")
            }
            guard let mapped = mapping.kind(ofEvent: text) else {
                return .ignored("event '\(text.prefix(100))' has no kind; map it in \(SegmentMapping.fileName)")
            }
            kind = mapped
            eventName = text
        case "page", "screen":
            kind = .view
        case "identify":
            return try identify(message, field: field)
        case "alias":
            return try alias(message, field: field)
        case "group":
            return .ignored("group messages carry no behaviour and are not stored")
        default:
            throw APIError.badRequest("\(field("type")): unknown message type '\(type.prefix(40))' (expected track, page, screen, identify, alias or group)")
        }

        let keys = try identityKeys(message, field: field)
        let ts = try timestamp(message, field: field)
        let properties = try object(tape.member(message, "properties"), field("properties"))
        let context = try object(contextNode(message), field("context"))
        let campaign = try object(member(context, "campaign"), field("context.campaign"))

        func text(_ value: Node?, _ name: String) throws -> String? {
            guard let value else { return nil }
            if isNull(value) { return nil }
            guard let text = tape.text(value) else { throw APIError.badRequest("\(field(name)): expected a string, got \(tape.typeName(value))") }
            let trimmed = text.trimmingASCIISpaces()
            guard trimmed.utf8.count <= 256 else { throw APIError.badRequest("\(field(name)): longer than 256 bytes") }
            return trimmed.isEmpty ? nil : trimmed
        }

        // The properties Kehu reads, in one pass over the object; a repeated name means its last value.
        var p = Properties()
        if let properties {
            tape.forEachMember(properties) { key, value in
                if tape.isKey(key, "currency") { p.currency = value }
                else if tape.isKey(key, "channel") { p.channel = value }
                else if tape.isKey(key, "order_id") { p.orderID = value }
                else if tape.isKey(key, "total") { p.total = value }
                else if tape.isKey(key, "revenue") { p.revenue = value }
                else if tape.isKey(key, "price") { p.price = value }
                else if tape.isKey(key, "quantity") { p.quantity = value }
                else if tape.isKey(key, "sku") { p.sku = value }
                else if tape.isKey(key, "product_id") { p.productID = value }
                else if tape.isKey(key, "category") { p.category = value }
                else if tape.isKey(key, "campaign") { p.campaign = value }
                else if tape.isKey(key, "touchpoint") { p.touchpoint = value }
                else if tape.isKey(key, "content") { p.content = value }
            }
        }
        if let currency = try text(p.currency, "properties.currency"), currency.uppercased() != "CNY" {
            throw APIError.badRequest("\(field("properties.currency")): only CNY amounts are accepted (got \(currency.prefix(8)))")
        }
        let channel = try text(p.channel, "properties.channel")
            ?? text(member(context, "channel"), "context.channel")
            ?? mapping.defaultChannel
            ?? libraryChannel(context)
        guard let channel else {
            throw APIError.badRequest(
                "\(field("properties.channel")): no channel: set properties.channel or context.channel, or defaultChannel in \(SegmentMapping.fileName)")
        }
        let orderID = try text(p.orderID, "properties.order_id")
        let amountField = p.total != nil ? "properties.total" : "properties.revenue"
        let amount = try money(p.total ?? p.revenue, field(amountField))
        let listPrice = try money(p.price, field("properties.price"))
        let quantity = try positiveInteger(p.quantity, field("properties.quantity"))
        let sku = try text(p.sku, "properties.sku") ?? text(p.productID, "properties.product_id")
        let category = try text(p.category, "properties.category")
        let campaignName = try text(p.campaign, "properties.campaign") ?? text(member(campaign, "name"), "context.campaign.name")
        let touchpoint = try text(p.touchpoint, "properties.touchpoint") ?? text(member(campaign, "medium"), "context.campaign.medium")
        let content = try text(p.content, "properties.content") ?? text(member(campaign, "content"), "context.campaign.content")

        let described = eventName.map { "\($0) (\(kind.name))" } ?? kind.name
        if kind == .pay || kind == .refund || kind == .order, orderID == nil {
            throw APIError.badRequest("\(field("properties.order_id")): \(described) events need an order_id")
        }
        if kind == .pay || kind == .refund, amount == nil {
            throw APIError.badRequest("\(field("properties.total")): \(described) events need the amount as properties.total or properties.revenue")
        }

        let messageID = try text(tape.member(message, "messageId"), "messageId")
        func record(_ kind: EventKind, idSuffix: String) -> EventRecord {
            var record = EventRecord(
                fingerprint: EventFingerprint(eventID: ""), ts: ts, kind: kind, keys: keys, channel: channel,
                touchpoint: touchpoint, campaign: campaignName, content: content, sku: sku, category: category,
                orderID: orderID, amount: amount, listPrice: listPrice, quantity: quantity)
            if let messageID {
                record.fingerprint = EventFingerprint(eventID: messageID + idSuffix)
            } else {
                // No messageId (Segment SDKs always send one): a fingerprint of the content, so a
                // re-sent identical message is a duplicate.
                let parts: [String] = [
                    "segment-v1", String(ts), kind.name, keys.joined(separator: "|"), channel, touchpoint ?? "",
                    campaignName ?? "", content ?? "", sku ?? "", category ?? "", orderID ?? "",
                    amount.map { String($0) } ?? "", listPrice.map { String($0) } ?? "", quantity.map { String($0) } ?? "",
                ]
                record.fingerprint = EventFingerprint.derived(from: parts.joined(separator: "\u{1F}"))
            }
            return record
        }
        if kind == .pay, eventName == "Order Completed" {
            // An order completed is both the order (下单) and its payment (支付).
            return .events([record(.order, idSuffix: "#order"), record(.pay, idSuffix: "")])
        }
        return .events([record(kind, idSuffix: "")])
    }

    /// An identify: userId, anonymousId and the trait keys (phone, email, unionid, openid) are
    /// one consumer. One key alone links nothing and is acknowledged as ignored.
    func identify(_ message: Node, field: (String) -> String) throws -> Outcome {
        let keys = try identityKeys(message, field: field)
        guard keys.count > 1 else {
            return .ignored("identify with one identity key links nothing; send userId with anonymousId or trait keys (phone, email, unionid, openid)")
        }
        return .link(IdentityLinkRecord(ts: try timestamp(message, field: field), keys: keys))
    }

    /// An alias: `previousId` (the anonymous id, or an earlier user id) becomes `userId`.
    func alias(_ message: Node, field: (String) -> String) throws -> Outcome {
        guard let previous = tape.member(message, "previousId"), !isNull(previous) else {
            throw APIError.badRequest("\(field("previousId")): an alias needs the previous id (the anonymous id or an earlier userId)")
        }
        guard let text = tape.text(previous)?.trimmingASCIISpaces(), !text.isEmpty else {
            throw APIError.badRequest("\(field("previousId")): expected a non-empty string, got \(tape.typeName(previous))")
        }
        guard text.utf8.count <= 256 else { throw APIError.badRequest("\(field("previousId")): longer than 256 bytes") }
        guard let user = tape.member(message, "userId"), !isNull(user) else {
            throw APIError.badRequest("\(field("userId")): an alias needs the userId that the previous id becomes")
        }
        let keys = try identityKeys(message, field: field)
        return .link(IdentityLinkRecord(ts: try timestamp(message, field: field), keys: keys, previousID: text))
    }

    /// Identity keys in canonical form (`phone:` and `email:` hashed), without repeats.
    func identityKeys(_ message: Node, field: (String) -> String) throws -> [String] {
        var keys: [String] = []
        func add(_ type: IdentityKeyType, _ value: Node?, _ name: @autoclosure () -> String) throws {
            guard let value else { return }
            if isNull(value) { return }
            guard let raw = tape.text(value) else { throw APIError.badRequest("\(field(name())): expected a string, got \(tape.typeName(value))") }
            do {
                let key = try hasher.identityKey(type: type, value: raw)
                guard key.value.utf8.count <= 256 else { throw IdentityKeyError.tooLong(type) }
                let text = key.description
                if !keys.contains(text) { keys.append(text) }
            } catch {
                throw APIError.badRequest("\(field(name())): \(error)")
            }
        }
        try add(.member, tape.member(message, "userId"), "userId")
        try add(.anon, tape.member(message, "anonymousId"), "anonymousId")
        let context = try object(contextNode(message), field("context"))
        for (traits, base) in [(tape.member(message, "traits"), "traits"), (member(context, "traits"), "context.traits")] {
            guard let traits = try object(traits, field(base)) else { continue }
            try add(.phone, tape.member(traits, "phone"), base + ".phone")
            try add(.email, tape.member(traits, "email"), base + ".email")
            try add(.unionid, tape.member(traits, "unionid"), base + ".unionid")
            try add(.openid, tape.member(traits, "openid"), base + ".openid")
        }
        guard !keys.isEmpty else {
            throw APIError.badRequest("\(field("userId")): the message has no identity key (send userId or anonymousId)")
        }
        return keys
    }

    func timestamp(_ message: Node, field: (String) -> String) throws -> Int64 {
        let given = tape.member(message, "timestamp")
        let name = given != nil ? "timestamp" : "originalTimestamp"
        guard let value = given ?? tape.member(message, "originalTimestamp") else { return receivedAt }
        if isNull(value) { return receivedAt }
        guard tape.kind(value) == .string || tape.kind(value) == .number else {
            throw APIError.badRequest("\(field(name)): expected an ISO-8601 string, got \(tape.typeName(value))")
        }
        do {
            // Read from the body's bytes; a string with escapes (rare) goes through its decoded text.
            if let ms = try tape.withRawText(value, { bytes throws(TimeParseError) in try Timestamp.parse(bytes: bytes, zone: zone) }) {
                return ms
            }
            return try Timestamp.parse(tape.text(value) ?? "", zone: zone)
        } catch {
            throw APIError.badRequest("\(field(name)): \(error)")
        }
    }

    /// `name` is built only for an error: every message passes through here several times.
    func object(_ value: Node?, _ name: @autoclosure () -> String) throws -> Node? {
        guard let value else { return nil }
        switch tape.kind(value) {
        case .null: return nil
        case .object: return value
        default: throw APIError.badRequest("\(name()): expected an object, got \(tape.typeName(value))")
        }
    }

    /// Yuan as a JSON number or numeric string, exactly, in fen. Trailing zeros past the fen are
    /// accepted (`19.990`); anything finer, exponents and negative amounts are errors.
    func money(_ value: Node?, _ field: @autoclosure () -> String) throws -> Int64? {
        guard let value else { return nil }
        if isNull(value) { return nil }
        guard var text = tape.text(value)?.trimmingASCIISpaces() else {
            throw APIError.badRequest("\(field()): expected a decimal amount in yuan, got \(tape.typeName(value))")
        }
        if text.utf8.contains(UInt8(ascii: "e")) || text.utf8.contains(UInt8(ascii: "E")) {
            throw APIError.badRequest("\(field()): write the amount as a plain decimal such as 128.50, not with an exponent")
        }
        if let dot = text.firstIndex(of: ".") {
            while text.last == "0", text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        }
        let fen: Int64
        do { fen = try Money.parse(yuan: text).fen } catch { throw APIError.badRequest("\(field()): \(error)") }
        guard fen >= 0 else { throw APIError.badRequest("\(field()): the amount is negative") }
        return fen
    }

    func positiveInteger(_ value: Node?, _ name: @autoclosure () -> String) throws -> Int32? {
        guard let value else { return nil }
        if isNull(value) { return nil }
        guard let text = tape.text(value), let number = Int32(text.trimmingASCIISpaces()), number > 0 else {
            throw APIError.badRequest("\(name()): the quantity is not a positive whole number")
        }
        return number
    }

    /// The channel implied by the SDK that sent the message: analytics.js → `web`, the mobile
    /// SDKs → `app`; nil for server libraries, which must say.
    func libraryChannel(_ context: Node?) -> String? {
        guard let name = member(member(context, "library"), "name"), tape.kind(name) == .string,
            let library = tape.text(name)
        else { return nil }
        let lowered = library.lowercased()
        if lowered.hasPrefix("analytics.js") || lowered.hasPrefix("analytics-next") || lowered.contains("javascript") { return "web" }
        for mobile in ["ios", "android", "react-native", "flutter", "kotlin", "swift"] where lowered.contains(mobile) {
            return "app"
        }
        return nil
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        // Almost every value has nothing to trim: return it without building a new string.
        func isSpace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        if !isSpace(utf8.first) && !isSpace(utf8.last) { return self }
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" || first == "\n" || first == "\r" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\n" || last == "\r" { s.removeLast() }
        return String(s)
    }
}
