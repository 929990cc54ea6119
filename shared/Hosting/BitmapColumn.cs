using Apmatrix.ApModel;

namespace Apmatrix.Hosting;

/// <summary>A <see cref="Bitmap256"/> stored as its 32-byte big-endian image (<c>bytea</c>).</summary>
public static class BitmapColumn
{
    public const int Size = 32;

    public static byte[] ToBytes(Bitmap256 bitmap)
    {
        var bytes = new byte[Size];
        bitmap.WriteBigEndian(bytes);
        return bytes;
    }
}
