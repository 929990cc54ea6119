using Apmatrix.ApModel;
using Apmatrix.Engine.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Engine.Tests;

public class Bitmap256Tests
{
    static string Pad(string digits) => "0x" + digits.PadRight(64, '0');

    [Theory]
    [InlineData("0x41", new[] { 1, 7 })]
    [InlineData("0x7d", new[] { 1, 2, 3, 4, 5, 7 })]
    [InlineData("0x0c", new[] { 4, 5 })]
    [InlineData("0x06", new[] { 5, 6 })]
    [InlineData("0x08", new[] { 4 })]
    public void Spec_examples_read_msb0(string text, int[] ids)
    {
        var parsed = Bitmap256.ParseMsb0Hex(text);

        Assert.Equal(ids, Ids(parsed));
        Assert.Equal(Pad(text[2..]), Gens.FromIds(ids).ToMsb0Hex());
    }

    [Fact]
    public void Id_0_is_the_most_significant_bit_of_the_first_word()
    {
        Assert.Equal(0x8000_0000_0000_0000UL, Bitmap256.Single(0).Word(0));
        Assert.Equal(1UL, Bitmap256.Single(63).Word(0));
        Assert.Equal(0x8000_0000_0000_0000UL, Bitmap256.Single(64).Word(1));
        Assert.Equal(0x8000_0000_0000_0000UL, Bitmap256.Single(128).Word(2));
        Assert.Equal(1UL, Bitmap256.Single(255).Word(3));
        Assert.Equal(0UL, Bitmap256.Single(255).Word(0));
    }

    [Theory]
    [InlineData("0x41")]
    [InlineData("x41")]
    [InlineData("41")]
    [InlineData("0x41\n")]
    [InlineData("0x4100")]
    public void Should_accept_prefix_variants_padding_and_one_trailing_newline(string text)
    {
        Assert.True(Bitmap256.TryParseMsb0Hex(text, out var value, out var error), error);
        Assert.Equal(Bitmap256.Of(1, 7), value);
    }

    [Fact]
    public void Should_take_only_a_lowercase_prefix_as_the_bus_does()
    {
        Assert.False(Bitmap256.TryParseMsb0Hex("0X41", out _, out _));
        Assert.False(Bitmap256.TryParseMsb0Hex("X41", out _, out _));
    }

    [Fact]
    public void Fewer_digits_pad_with_zeros_on_the_right()
    {
        Assert.Equal(Bitmap256.Single(0), Bitmap256.ParseMsb0Hex("0x8"));
        Assert.Equal(Bitmap256.Single(64), Bitmap256.ParseMsb0Hex("0x" + new string('0', 16) + "8"));
        Assert.Equal(Bitmap256.Range(0, 7), Bitmap256.ParseMsb0Hex("0xFF"));
        Assert.Equal(Bitmap256.Empty, Bitmap256.ParseMsb0Hex("0x\n"));
    }

    [Fact]
    public void Sixty_four_digits_fill_every_id()
    {
        Assert.Equal(Bitmap256.All, Bitmap256.ParseMsb0Hex("0x" + new string('f', 64)));
        Assert.Equal(Bitmap256.Single(255), Bitmap256.ParseMsb0Hex("0x" + new string('0', 63) + "1"));
        Assert.Equal(Bitmap256.Of(1, 7), Bitmap256.ParseMsb0Hex("41" + new string('0', 62) + "\n"));
    }

    [Theory]
    [InlineData("0x" + "00000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0x4g")]
    [InlineData("0x41\n\n")]
    [InlineData("0x41 ")]
    [InlineData(" 0x41")]
    [InlineData("0x-41")]
    [InlineData("0x41,")]
    public void Should_reject_too_many_digits_and_stray_characters(string text)
    {
        Assert.False(Bitmap256.TryParseMsb0Hex(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => Bitmap256.ParseMsb0Hex(text));
    }

    [Fact]
    public void Sysfs_form_is_0x_and_64_lowercase_digits()
    {
        var text = Bitmap256.Of(1, 7, 10, 255).ToMsb0Hex();

        Assert.Equal(66, text.Length);
        Assert.StartsWith("0x41200000", text);
        Assert.EndsWith("01", text);
        Assert.Equal(text.ToLowerInvariant(), text);
    }

    [Property(MaxTest = 300)]
    public Property Hex_digit_bits_are_the_ids_left_to_right() => Prop.ForAll(Gens.BitmapArb, set =>
    {
        var digits = set.ToMsb0Hex()[2..];
        for (var id = 0; id < Bitmap256.Capacity; id++)
        {
            var nibble = Convert.ToInt32(digits[id / 4].ToString(), 16);
            Assert.Equal((nibble & (8 >> (id % 4))) != 0, set[id]);
        }
    });

    [Property(MaxTest = 300)]
    public Property Hex_form_round_trips() => Prop.ForAll(Gens.BitmapArb, set =>
        Bitmap256.ParseMsb0Hex(set.ToMsb0Hex()) == set && Bitmap256.ParseMsb0Hex(set.ToMsb0Hex() + "\n") == set);

    [Property(MaxTest = 300)]
    public Property Range_list_form_round_trips() => Prop.ForAll(Gens.BitmapArb, set =>
        Bitmap256.ParseRangeList(set.ToRangeList()) == set);

    [Theory]
    [InlineData("", new int[0])]
    [InlineData("4", new[] { 4 })]
    [InlineData("0-3,7", new[] { 0, 1, 2, 3, 7 })]
    [InlineData("4-5,9", new[] { 4, 5, 9 })]
    [InlineData("254-255", new[] { 254, 255 })]
    [InlineData(" 4 - 5 , 9 ", new[] { 4, 5, 9 })]
    public void Range_list_reads_decimal_ids_and_runs(string text, int[] ids)
    {
        Assert.Equal(ids, Ids(Bitmap256.ParseRangeList(text)));
    }

    [Theory]
    [InlineData(new int[0], "")]
    [InlineData(new[] { 4, 5, 9 }, "4-5,9")]
    [InlineData(new[] { 0 }, "0")]
    [InlineData(new[] { 0, 1, 2, 3, 7, 255 }, "0-3,7,255")]
    [InlineData(new[] { 63, 64 }, "63-64")]
    public void Range_list_writes_ascending_runs(int[] ids, string text)
    {
        Assert.Equal(text, Gens.FromIds(ids).ToRangeList());
    }

    [Theory]
    [InlineData("-1", "'-1' is not an id or a range like 4-7")]
    [InlineData("4,x", "'x' is not a decimal id (a set is a range list like 4-5,9, or a sysfs mask like 0x0c)")]
    [InlineData("999999999999", "id 999999999999 is above 255")]
    [InlineData("3-256", "id 256 is above 255")]
    [InlineData("5-4", "range '5-4' runs backwards")]
    public void Range_list_refusals_name_the_part_and_what_is_wrong(string text, string error)
    {
        Assert.False(Bitmap256.TryParseRangeList(text, out _, out var actual));
        Assert.Equal(error, actual);
    }

    [Theory]
    [InlineData("5-4")]
    [InlineData("256")]
    [InlineData("a")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    [InlineData("1-")]
    [InlineData("0x5")]
    [InlineData("1-2-3")]
    public void Range_list_rejects_malformed_lists(string text)
    {
        Assert.False(Bitmap256.TryParseRangeList(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Property(MaxTest = 300)]
    public Property Set_algebra_matches_a_set_of_ints() =>
        Prop.ForAll(Gens.IdList.ToArbitrary(), Gens.IdList.ToArbitrary(), (left, right) =>
        {
            var (a, b) = (Gens.FromIds(left), Gens.FromIds(right));
            var (l, r) = (new SortedSet<int>(left), new SortedSet<int>(right));

            Assert.Equal(l.Union(r).Order(), Ids(a | b));
            Assert.Equal(l.Intersect(r), Ids(a & b));
            Assert.Equal(l.Except(r), Ids(a.AndNot(b)));
            Assert.Equal(l.Except(r).Union(r.Except(l)).Order(), Ids(a ^ b));
            Assert.Equal(Enumerable.Range(0, 256).Except(l), Ids(~a));
            Assert.Equal(l.Overlaps(r), a.Intersects(b));
            Assert.Equal(l.IsSubsetOf(r), a.IsSubsetOf(b));
            Assert.Equal(l.Count == 0, a.IsEmpty);
            Assert.Equal(l.Count, a.Count);
            Assert.Equal(l.SetEquals(r), a == b);
            Assert.Equal(l.SetEquals(r), a.Equals((object)b));
            if (l.SetEquals(r)) Assert.Equal(a.GetHashCode(), b.GetHashCode());
        });

    [Property(MaxTest = 300)]
    public Property Enumeration_is_ascending_and_First_is_the_lowest() => Prop.ForAll(Gens.IdList.ToArbitrary(), ids =>
    {
        var set = Gens.FromIds(ids);
        var expected = ids.Distinct().Order().ToList();

        Assert.Equal(expected, Ids(set));
        Assert.Equal(expected.Count == 0 ? -1 : expected[0], set.First());
        Assert.All(expected, id => Assert.True(set[id]));
    });

    [Fact]
    public void First_of_the_empty_set_is_minus_one_and_crosses_words()
    {
        Assert.Equal(-1, Bitmap256.Empty.First());
        Assert.Equal(64, Bitmap256.Of(64, 70).First());
        Assert.Equal(200, Bitmap256.Single(200).First());
        Assert.Equal(255, Bitmap256.Single(255).First());
        Assert.Equal(0, Bitmap256.All.First());
    }

    [Fact]
    public void Range_edges_at_word_boundaries()
    {
        var across = Bitmap256.Range(63, 64);
        Assert.Equal([63, 64], Ids(across));
        Assert.Equal(1UL, across.Word(0));
        Assert.Equal(0x8000_0000_0000_0000UL, across.Word(1));

        Assert.Equal(new Bitmap256(ulong.MaxValue, 0, 0, 0), Bitmap256.Range(0, 63));
        Assert.Equal(new Bitmap256(0, ulong.MaxValue, 0, 0), Bitmap256.Range(64, 127));
        Assert.Equal(new Bitmap256(0, 0, 0, 1), Bitmap256.Range(255, 255));
        Assert.Equal(Bitmap256.All, Bitmap256.Range(0, 255));
        Assert.True(Bitmap256.Range(5, 4).IsEmpty);
        Assert.Equal(Bitmap256.Range(0, 63), Bitmap256.UpTo(63));
        Assert.Equal(Bitmap256.Range(0, 15), Bitmap256.UpTo(15));
    }

    [Property(MaxTest = 300)]
    public Property Range_holds_exactly_first_to_last() => Prop.ForAll(Gens.Id.ToArbitrary(), Gens.Id.ToArbitrary(), (x, y) =>
    {
        var (first, last) = (Math.Min(x, y), Math.Max(x, y));
        Assert.Equal(Enumerable.Range(first, last - first + 1), Ids(Bitmap256.Range(first, last)));
    });

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void Ids_outside_0_to_255_are_refused(int id)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bitmap256.Empty[id]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Bitmap256.Single(id));
    }

    [Fact]
    public void Big_endian_image_puts_id_0_in_the_top_bit_of_byte_0()
    {
        var image = new byte[32];
        Bitmap256.Of(0, 7, 8, 255).WriteBigEndian(image);

        Assert.Equal(0x81, image[0]);
        Assert.Equal(0x80, image[1]);
        Assert.Equal(0x01, image[31]);
        Assert.All(image[2..31], b => Assert.Equal(0, b));
        Assert.Equal(Bitmap256.Of(4, 5), Bitmap256.ReadBigEndian([0x0c]));
    }

    [Property(MaxTest = 300)]
    public Property Big_endian_image_round_trips() => Prop.ForAll(Gens.BitmapArb, set =>
    {
        var image = new byte[32];
        set.WriteBigEndian(image);
        return Bitmap256.ReadBigEndian(image) == set;
    });

    static List<int> Ids(Bitmap256 set)
    {
        var ids = new List<int>();
        foreach (var id in set) ids.Add(id);
        return ids;
    }
}

public class ApcbImageTests
{
    static readonly ApMatrix Spec26 = new(Bitmap256.Of(4, 5), Bitmap256.Of(4), Bitmap256.Of(4));

    [Fact]
    public void Apcb0_is_32_bytes_with_the_spec_case_26_first_bytes()
    {
        var image = Spec26.ToImage(ApcbFormat.Apcb0);

        Assert.Equal(32, image.Length);
        Assert.Equal(0x0c, image[0]);
        Assert.Equal(0x08, image[8]);
        Assert.Equal(0x08, image[16]);
        Assert.All(image[24..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Apcb0_holds_64_adapters_and_16_domains_only()
    {
        var masks = new ApMatrix(Bitmap256.Of(63, 64), Bitmap256.Of(15, 16), Bitmap256.Of(0, 16));
        var image = masks.ToImage(ApcbFormat.Apcb0);

        Assert.Equal(0x01, image[7]);
        Assert.Equal(0x01, image[9]);
        Assert.All(image[10..16], b => Assert.Equal(0, b));
        Assert.Equal(0x80, image[16]);
        Assert.All(image[17..24], b => Assert.Equal(0, b));
        Assert.Equal(new ApMatrix(Bitmap256.Of(63), Bitmap256.Of(15), Bitmap256.Of(0)), masks.Truncate(ApcbFormat.Apcb0));
        Assert.Equal(masks, masks.Truncate(ApcbFormat.Apcb1));
    }

    [Fact]
    public void Apcb1_is_128_bytes_of_three_full_masks()
    {
        var masks = new ApMatrix(Bitmap256.Of(4, 5, 255), Bitmap256.Of(4), Bitmap256.Of(200));
        var image = masks.ToImage(ApcbFormat.Apcb1);

        Assert.Equal(128, image.Length);
        Assert.Equal(masks.Apm, Bitmap256.ReadBigEndian(image.AsSpan(0, 32)));
        Assert.Equal(masks.Aqm, Bitmap256.ReadBigEndian(image.AsSpan(32, 32)));
        Assert.Equal(masks.Adm, Bitmap256.ReadBigEndian(image.AsSpan(64, 32)));
        Assert.All(image[96..], b => Assert.Equal(0, b));
    }
}
