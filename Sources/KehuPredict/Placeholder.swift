// KehuPredict
