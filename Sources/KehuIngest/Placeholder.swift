// KehuIngest
