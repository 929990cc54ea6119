namespace Apmatrix.Contracts;

/// <summary>
/// How a host's bus events leave ApBus, chosen when the host is defined: grouped (<see cref="BusEventGroups"/>)
/// or one message per queue event. Stored as <c>smallint</c>, so the values never change.
/// </summary>
public enum BusEventForm : short { PerQueue = 1, Grouped = 2 }
