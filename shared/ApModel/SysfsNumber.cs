namespace Apmatrix.ApModel;

/// <summary>Reads a number the way a sysfs store does (kstrtoul, base 0): <c>0x</c> hex, leading-0 octal, else decimal.</summary>
public static class SysfsNumber
{
    public static SysfsNumberStatus TryParse(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.EndsWith("\n")) text = text[..^1];
        if (text.StartsWith("+")) text = text[1..];
        var radix = 10u;
        if (text.Length > 2 && text[0] == '0' && (text[1] | 0x20) == 'x' && Uri.IsHexDigit(text[2]))
        {
            radix = 16;
            text = text[2..];
        }
        else if (text.StartsWith("0"))
        {
            radix = 8;
        }
        var digits = 0;
        var overflow = false;
        for (; digits < text.Length && Digit(text[digits]) is var digit && digit < radix; digits++)
        {
            if (value > (ulong.MaxValue - digit) / radix) overflow = true;
            else value = value * radix + digit;
        }
        // As the kernel does: overflow is judged on the digits read, before anything after them.
        if (overflow) return SysfsNumberStatus.Overflow;
        return digits == 0 || digits != text.Length ? SysfsNumberStatus.Invalid : SysfsNumberStatus.Ok;
    }

    static uint Digit(char c) => c switch
    {
        >= '0' and <= '9' => (uint)(c - '0'),
        >= 'a' and <= 'f' => (uint)(c - 'a' + 10),
        >= 'A' and <= 'F' => (uint)(c - 'A' + 10),
        _ => uint.MaxValue,
    };
}
