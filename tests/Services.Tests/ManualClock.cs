namespace Apmatrix.Services.Tests;

/// <summary>A clock that moves only when a test says so.</summary>
public sealed class ManualClock : TimeProvider
{
    long _ticks;
    public void Advance(TimeSpan by) => _ticks += by.Ticks;
    public override long GetTimestamp() => _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
}
