using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Apmatrix.ApModel;

/// <summary>An AP queue number: adapter id in the high byte, domain id in the low byte; printed as sysfs does, <c>05.0004</c>.</summary>
public readonly struct Apqn : IEquatable<Apqn>, IComparable<Apqn>
{
    public Apqn(int adapter, int domain)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)adapter, 255u, nameof(adapter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)domain, 255u, nameof(domain));
        Value = (ushort)(adapter << 8 | domain);
    }

    public ushort Value { get; }
    public int Adapter => Value >> 8;
    public int Domain => Value & 0xFF;

    public static Apqn FromValue(int value) => new(value >> 8 & 0xFF, value & 0xFF);

    public static bool TryParse(ReadOnlySpan<char> text, out Apqn apqn)
    {
        apqn = default;
        var dot = text.IndexOf('.');
        if (dot is < 1 or > 2 || text.Length - dot - 1 is < 1 or > 4) return false;
        if (!int.TryParse(text[..dot], NumberStyles.AllowHexSpecifier, null, out var adapter) ||
            !int.TryParse(text[(dot + 1)..], NumberStyles.AllowHexSpecifier, null, out var domain) || domain > 0xFF)
            return false;
        apqn = new Apqn(adapter, domain);
        return true;
    }

    public static Apqn Parse(string text) =>
        TryParse(text, out var apqn) ? apqn : throw new FormatException($"{InputText.Quote(text)} is not an APQN like 05.0004");

    public bool Equals(Apqn other) => Value == other.Value;
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Apqn other && Equals(other);
    public override int GetHashCode() => Value;
    public int CompareTo(Apqn other) => Value.CompareTo(other.Value);
    public static bool operator ==(Apqn a, Apqn b) => a.Value == b.Value;
    public static bool operator !=(Apqn a, Apqn b) => a.Value != b.Value;

    public override string ToString() => $"{Adapter:x2}.{Domain:x4}";
}
