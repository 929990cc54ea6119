namespace Apmatrix.Hosting;

/// <summary>
/// Says whether a repeated failure is due to be logged: the first one of a key is, then at most one per interval,
/// carrying how many were held back, so a fault that lasts an hour writes a line a minute, not one a second.
/// </summary>
public sealed class LogThrottle(TimeSpan interval)
{
    readonly Dictionary<string, (DateTime LoggedAt, int Held)> _keys = [];

    /// <summary>True when this occurrence of <paramref name="key"/> should be logged; <paramref name="held"/> is how many were skipped since the last.</summary>
    public bool ShouldLog(string key, DateTime now, out int held)
    {
        lock (_keys)
        {
            if (_keys.TryGetValue(key, out var last) && now - last.LoggedAt < interval)
            {
                _keys[key] = last with { Held = last.Held + 1 };
                held = 0;
                return false;
            }
            held = last.Held;
            _keys[key] = (now, 0);
            return true;
        }
    }

    /// <summary>The failure is over: its next occurrence is logged at once.</summary>
    public void Reset(string key)
    {
        lock (_keys) _keys.Remove(key);
    }
}
