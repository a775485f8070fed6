// KehuGenerator
