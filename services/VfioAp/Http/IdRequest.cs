using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Http;

/// <summary>An adapter, domain or control-domain id: a JSON number, or a string read as sysfs reads what is written to it.</summary>
public sealed record IdRequest(JsonElement Id)
{
    const string Expected = "id is a number, or a string read as sysfs reads it (\"5\", \"0x5\", \"05\")";

    /// <summary>
    /// The id, or null with the field named. Whether it is a number at all, and within the largest id any host has, needs
    /// no host: such a refusal comes before the database is read, also while it is away.
    /// </summary>
    public long? Read(RequestErrors errors)
    {
        if (Id.ValueKind == JsonValueKind.Number && Id.TryGetInt64(out var number))
        {
            if (number >= 0) return Checked(number, Id.GetRawText());
            errors.Add("id", $"{number} is negative");
            return null;
        }
        // Fractions and numbers beyond 64 bits are read as sysfs reads the text: not a number, or out of range.
        var text = Id.ValueKind switch
        {
            JsonValueKind.Number => Id.GetRawText(),
            JsonValueKind.String => Text(Id),
            _ => null,
        };
        if (text is null)
        {
            errors.Add("id", Expected);
            return null;
        }
        var quoted = InputText.Quote(text.TrimEnd('\n'));
        switch (SysfsNumber.TryParse(text, out var value))
        {
            case SysfsNumberStatus.Ok when value <= long.MaxValue:
                return Checked((long)value, quoted);
            case SysfsNumberStatus.Ok or SysfsNumberStatus.Overflow:
                throw new MatrixException(MatrixErrorKind.OutOfRange, $"{quoted} is out of range");
            default:
                errors.Add("id", $"{quoted} is not a number");
                return null;
        }
    }

    static long Checked(long id, string written) => id < Bitmap256.Capacity
        ? id
        : throw new MatrixException(MatrixErrorKind.OutOfRange, $"{written} is above {Bitmap256.Capacity - 1}, the largest id of any host");

    /// <summary>A JSON string's text; null for one whose escapes are no valid UTF-16 (a lone surrogate), which GetString throws on.</summary>
    static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
