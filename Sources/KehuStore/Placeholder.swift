// KehuStore
