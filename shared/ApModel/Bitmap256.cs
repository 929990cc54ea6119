using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Text;

namespace Apmatrix.ApModel;

/// <summary>
/// A set of adapter, domain or control-domain ids 0..255 held as four 64-bit words in the
/// architecture's MSB-0 order: id 0 is the most significant bit of the first word.
/// </summary>
public readonly struct Bitmap256 : IEquatable<Bitmap256>
{
    public const int Capacity = 256;
    const ulong TopBit = 0x8000_0000_0000_0000UL;

    readonly ulong _w0, _w1, _w2, _w3;

    public Bitmap256(ulong w0, ulong w1, ulong w2, ulong w3) => (_w0, _w1, _w2, _w3) = (w0, w1, w2, w3);

    public static Bitmap256 Empty => default;
    public static Bitmap256 All => new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    public ulong Word(int index) => index switch
    {
        0 => _w0,
        1 => _w1,
        2 => _w2,
        3 => _w3,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public bool this[int id] => (Word(CheckId(id) >> 6) & (TopBit >> (id & 63))) != 0;

    public bool IsEmpty => (_w0 | _w1 | _w2 | _w3) == 0;

    public int Count =>
        BitOperations.PopCount(_w0) + BitOperations.PopCount(_w1) + BitOperations.PopCount(_w2) + BitOperations.PopCount(_w3);

    /// <summary>The lowest id in the set, or -1 when it is empty.</summary>
    public int First()
    {
        for (var i = 0; i < 4; i++)
        {
            var w = Word(i);
            if (w != 0) return i * 64 + BitOperations.LeadingZeroCount(w);
        }
        return -1;
    }

    public static Bitmap256 Single(int id)
    {
        var bit = TopBit >> (CheckId(id) & 63);
        return (id >> 6) switch
        {
            0 => new(bit, 0, 0, 0),
            1 => new(0, bit, 0, 0),
            2 => new(0, 0, bit, 0),
            _ => new(0, 0, 0, bit),
        };
    }

    /// <summary>The ids first..last inclusive; empty when last &lt; first.</summary>
    public static Bitmap256 Range(int first, int last)
    {
        first = Math.Max(first, 0);
        last = Math.Min(last, Capacity - 1);
        if (last < first) return Empty;
        Span<ulong> words = stackalloc ulong[4];
        for (var i = 0; i < 4; i++)
        {
            int lo = Math.Max(first, i * 64), hi = Math.Min(last, i * 64 + 63);
            if (lo <= hi) words[i] = (ulong.MaxValue >> (lo & 63)) & (ulong.MaxValue << (63 - (hi & 63)));
        }
        return new(words[0], words[1], words[2], words[3]);
    }

    /// <summary>Ids 0..max: the ids a host with that maximum id can configure.</summary>
    public static Bitmap256 UpTo(int max) => Range(0, max);

    /// <summary>The ids above <paramref name="max"/>.</summary>
    public Bitmap256 Above(int max) => AndNot(UpTo(max));

    /// <summary>The ids as a sentence's subject: <c>{noun} 5 is</c>, or <c>{noun}s 5,7-9 are</c>.</summary>
    public string Naming(string noun) => Count == 1 ? $"{noun} {First()} is" : $"{noun}s {ToRangeList()} are";

    public static Bitmap256 Of(params ReadOnlySpan<int> ids)
    {
        var set = Empty;
        foreach (var id in ids) set = set.With(id);
        return set;
    }

    public Bitmap256 With(int id) => this | Single(id);
    public Bitmap256 Without(int id) => AndNot(Single(id));
    public Bitmap256 AndNot(Bitmap256 other) => new(_w0 & ~other._w0, _w1 & ~other._w1, _w2 & ~other._w2, _w3 & ~other._w3);
    public bool Intersects(Bitmap256 other) => !(this & other).IsEmpty;
    public bool IsSubsetOf(Bitmap256 other) => AndNot(other).IsEmpty;

    public static Bitmap256 operator &(Bitmap256 a, Bitmap256 b) => new(a._w0 & b._w0, a._w1 & b._w1, a._w2 & b._w2, a._w3 & b._w3);
    public static Bitmap256 operator |(Bitmap256 a, Bitmap256 b) => new(a._w0 | b._w0, a._w1 | b._w1, a._w2 | b._w2, a._w3 | b._w3);
    public static Bitmap256 operator ^(Bitmap256 a, Bitmap256 b) => new(a._w0 ^ b._w0, a._w1 ^ b._w1, a._w2 ^ b._w2, a._w3 ^ b._w3);
    public static Bitmap256 operator ~(Bitmap256 a) => new(~a._w0, ~a._w1, ~a._w2, ~a._w3);
    public static bool operator ==(Bitmap256 a, Bitmap256 b) => a.Equals(b);
    public static bool operator !=(Bitmap256 a, Bitmap256 b) => !a.Equals(b);

    public bool Equals(Bitmap256 other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;
    public override bool Equals(object? obj) => obj is Bitmap256 other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Ascending ids, without allocating.</summary>
    public struct Enumerator(Bitmap256 set)
    {
        int _word = -1;
        ulong _bits;

        public int Current { get; private set; }

        public bool MoveNext()
        {
            while (_bits == 0)
            {
                if (++_word >= 4) return false;
                _bits = set.Word(_word);
            }
            var offset = BitOperations.LeadingZeroCount(_bits);
            _bits &= ~(TopBit >> offset);
            Current = _word * 64 + offset;
            return true;
        }
    }

    /// <summary>The 32-byte big-endian image used by QCI blocks and APCB1.</summary>
    public void WriteBigEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    /// <summary>Reads up to 32 big-endian bytes; missing bytes are zero (ids beyond them absent).</summary>
    public static Bitmap256 ReadBigEndian(ReadOnlySpan<byte> source)
    {
        Span<byte> full = stackalloc byte[32];
        source[..Math.Min(source.Length, 32)].CopyTo(full);
        return new(BinaryPrimitives.ReadUInt64BigEndian(full), BinaryPrimitives.ReadUInt64BigEndian(full[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(full[16..]), BinaryPrimitives.ReadUInt64BigEndian(full[24..]));
    }

    /// <summary>The sysfs form: <c>0x</c> and 64 lowercase hex digits, leftmost bit = id 0.</summary>
    public string ToMsb0Hex() => $"0x{_w0:x16}{_w1:x16}{_w2:x16}{_w3:x16}";

    /// <summary>
    /// Parses the sysfs absolute mask form: optional <c>0x</c> or <c>x</c> (lowercase, as the bus reads it), hex digits filling ids from 0
    /// upwards (fewer than 64 digits leave the rest clear), one trailing newline allowed.
    /// </summary>
    public static bool TryParseMsb0Hex(ReadOnlySpan<char> text, out Bitmap256 value, [NotNullWhen(false)] out string? error)
    {
        value = Empty;
        if (text.EndsWith("\n")) text = text[..^1];
        if (text.StartsWith("0x")) text = text[2..];
        else if (text.StartsWith("x")) text = text[1..];
        if (text.Length > 64)
        {
            error = $"more than 64 hex digits ({text.Length})";
            return false;
        }
        Span<ulong> words = stackalloc ulong[4];
        for (var i = 0; i < text.Length; i++)
        {
            var nibble = HexValue(text[i]);
            if (nibble < 0)
            {
                error = $"{InputText.Quote(text.Slice(i, 1))} is not a hex digit";
                return false;
            }
            words[i >> 4] |= (ulong)nibble << (60 - 4 * (i & 15));
        }
        value = new(words[0], words[1], words[2], words[3]);
        error = null;
        return true;
    }

    public static Bitmap256 ParseMsb0Hex(string text) =>
        TryParseMsb0Hex(text, out var value, out var error) ? value : throw new FormatException($"mask {InputText.Quote(text)}: {error}");

    /// <summary>The range-list form: ascending decimal ids, runs joined by '-', e.g. <c>4-5,9</c>; empty set is "".</summary>
    public string ToRangeList()
    {
        var text = new StringBuilder();
        int start = -1, previous = -2;
        foreach (var id in this)
        {
            if (id != previous + 1)
            {
                AppendRun(text, start, previous);
                start = id;
            }
            previous = id;
        }
        AppendRun(text, start, previous);
        return text.ToString();
    }

    static void AppendRun(StringBuilder text, int start, int end)
    {
        if (start < 0) return;
        if (text.Length > 0) text.Append(',');
        text.Append(start);
        if (end > start) text.Append('-').Append(end);
    }

    public static bool TryParseRangeList(ReadOnlySpan<char> text, out Bitmap256 value, [NotNullWhen(false)] out string? error)
    {
        value = Empty;
        text = text.Trim();
        if (text.IsEmpty)
        {
            error = null;
            return true;
        }
        foreach (var range in text.Split(','))
        {
            var part = text[range].Trim();
            var dash = part.IndexOf('-');
            var firstText = dash < 0 ? part : part[..dash].Trim();
            var lastText = dash < 0 ? part : part[(dash + 1)..].Trim();
            if (!TryParseId(firstText, part, out var first, out error) || !TryParseId(lastText, part, out var last, out error))
                return false;
            if (last < first)
            {
                error = $"range {InputText.Quote(part)} runs backwards";
                return false;
            }
            value |= Range(first, last);
        }
        error = null;
        return true;
    }

    public static Bitmap256 ParseRangeList(string text) =>
        TryParseRangeList(text, out var value, out var error) ? value : throw new FormatException($"id list {InputText.Quote(text)}: {error}");

    /// <summary>Either form a person may write: sysfs hex when it starts with <c>0x</c>, else a range list.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Bitmap256 value, [NotNullWhen(false)] out string? error) =>
        text.TrimStart().StartsWith("0x")
            ? TryParseMsb0Hex(text.Trim(), out value, out error)
            : TryParseRangeList(text, out value, out error);

    public static Bitmap256 Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException($"id set {InputText.Quote(text)}: {error}");

    /// <summary>One id of <paramref name="part"/> (an id or a range), which a refusal quotes whole: "-1" names no empty id.</summary>
    static bool TryParseId(ReadOnlySpan<char> text, ReadOnlySpan<char> part, out int id, [NotNullWhen(false)] out string? error)
    {
        id = 0;
        if (text.IsEmpty || text.ContainsAnyExceptInRange('0', '9'))
        {
            error = part.Contains('-') ? $"{InputText.Quote(part)} is not an id or a range like 4-7" : $"{InputText.Quote(part)} is not a decimal id (a set is a range list like 4-5,9, or a sysfs mask like 0x0c)";
            return false;
        }
        if (text.Length > 3 || (id = int.Parse(text)) >= Capacity)
        {
            error = $"id {text} is above 255";
            return false;
        }
        error = null;
        return true;
    }

    static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    static int CheckId(int id) =>
        (uint)id < Capacity ? id : throw new ArgumentOutOfRangeException(nameof(id), id, "AP ids run from 0 to 255");

    public override string ToString() => ToRangeList();
}
