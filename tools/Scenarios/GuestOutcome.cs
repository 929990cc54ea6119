using Apmatrix.ApModel;

namespace Apmatrix.Scenarios;

public sealed record GuestOutcome(ApMatrix Apcb, long Updates);
