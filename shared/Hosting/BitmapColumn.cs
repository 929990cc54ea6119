using Apmatrix.ApModel;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Apmatrix.Hosting;

/// <summary>A <see cref="Bitmap256"/> stored as its 32-byte big-endian image (<c>bytea</c>).</summary>
public static class BitmapColumn
{
    public const int Size = 32;

    public static readonly ValueConverter<Bitmap256, byte[]> Converter = new(b => ToBytes(b), bytes => Bitmap256.ReadBigEndian(bytes));

    public static byte[] ToBytes(Bitmap256 bitmap)
    {
        var bytes = new byte[Size];
        bitmap.WriteBigEndian(bytes);
        return bytes;
    }
}
