using Apmatrix.ApModel;

namespace Apmatrix.Scenarios;

public sealed record GuestExpectation(Bitmap256 Apm, Bitmap256 Aqm, Bitmap256 Adm, long Updates);
