namespace Apmatrix.ApModel;

public enum SysfsNumberStatus { Ok, Invalid, Overflow }
