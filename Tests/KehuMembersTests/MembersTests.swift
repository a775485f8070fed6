import Testing
@testable import KehuMembers
