using Apmatrix.ApModel;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>Array parameters for set-based statements (<c>unnest(@a, @b, ...)</c>): one statement for a whole batch.</summary>
public static class SqlArrays
{
    public static NpgsqlParameter Texts(string name, IEnumerable<string?> values) => Array(name, NpgsqlDbType.Text, values);

    public static NpgsqlParameter Integers(string name, IEnumerable<int> values) => Array(name, NpgsqlDbType.Integer, values);

    public static NpgsqlParameter Integers(string name, IEnumerable<int?> values) => Array(name, NpgsqlDbType.Integer, values);

    public static NpgsqlParameter Shorts(string name, IEnumerable<short> values) => Array(name, NpgsqlDbType.Smallint, values);

    public static NpgsqlParameter Shorts(string name, IEnumerable<short?> values) => Array(name, NpgsqlDbType.Smallint, values);

    public static NpgsqlParameter Uuids(string name, IEnumerable<Guid> values) => Array(name, NpgsqlDbType.Uuid, values);

    public static NpgsqlParameter Longs(string name, IEnumerable<long> values) => Array(name, NpgsqlDbType.Bigint, values);

    public static NpgsqlParameter Booleans(string name, IEnumerable<bool> values) => Array(name, NpgsqlDbType.Boolean, values);

    public static NpgsqlParameter Doubles(string name, IEnumerable<double> values) => Array(name, NpgsqlDbType.Double, values);

    public static NpgsqlParameter Timestamps(string name, IEnumerable<DateTime> values) => Array(name, NpgsqlDbType.TimestampTz, values);

    public static NpgsqlParameter Bytes(string name, IEnumerable<byte[]> values) => Array(name, NpgsqlDbType.Bytea, values);

    public static NpgsqlParameter Bitmaps(string name, IEnumerable<Bitmap256> values) => Bytes(name, values.Select(BitmapColumn.ToBytes));

    static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };
}
