/// One purchase, as the summaries need it: who, which day, how much.
///
/// `Customer` is any hashable id (a `String`, an `Int`, a OneID consumer key).
public struct Purchase<Customer: Hashable & Sendable>: Sendable, Hashable {
    /// The customer who bought.
    public var customer: Customer
    /// The calendar day of the purchase, counted from 1970-01-01 (day 0) in the brand's time zone.
    public var day: Int
    /// What was paid, in minor currency units (fen, cents). Summed as integers, never as floats.
    public var amountMinorUnits: Int64

    /// A purchase on a calendar day.
    public init(customer: Customer, day: Int, amountMinorUnits: Int64 = 0) {
        self.customer = customer
        self.day = day
        self.amountMinorUnits = amountMinorUnits
    }

    /// A purchase at an instant, assigned to the calendar day it falls on at a fixed UTC offset
    /// (for example +8 h for China Standard Time).
    /// - Parameters:
    ///   - secondsSinceEpoch: Seconds since 1970-01-01T00:00:00Z.
    ///   - utcOffsetSeconds: The brand's offset from UTC, east positive.
    public init(customer: Customer, secondsSinceEpoch: Int64, utcOffsetSeconds: Int = 0, amountMinorUnits: Int64 = 0) {
        let local = secondsSinceEpoch + Int64(utcOffsetSeconds)
        // Floor division, so instants before 1970 land on the right day.
        let day = local >= 0 ? local / 86_400 : -((-local + 86_399) / 86_400)
        self.init(customer: customer, day: Int(day), amountMinorUnits: amountMinorUnits)
    }
}
