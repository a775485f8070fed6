// KehuIdentity
