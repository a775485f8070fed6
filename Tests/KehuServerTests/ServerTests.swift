import HummingbirdTesting
import Testing
@testable import KehuServer
