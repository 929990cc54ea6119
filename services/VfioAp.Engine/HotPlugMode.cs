namespace Apmatrix.Engine;

/// <summary>
/// How additions reach guests: <see cref="Batched"/> follows config changed / scan complete (one update
/// per guest per scan); <see cref="PerQueue"/> is the behaviour before those notifications, where every
/// probe and removal updates the guest at once.
/// </summary>
public enum HotPlugMode { Batched, PerQueue }
