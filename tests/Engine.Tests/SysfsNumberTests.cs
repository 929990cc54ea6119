using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests;

public class SysfsNumberTests
{
    [Theory]
    [InlineData("5", 5UL)]
    [InlineData("0x3f", 63UL)]
    [InlineData("0X1F", 31UL)]
    [InlineData("010", 8UL)]
    [InlineData("0", 0UL)]
    [InlineData("00", 0UL)]
    [InlineData("+5", 5UL)]
    [InlineData("+0x10", 16UL)]
    [InlineData("5\n", 5UL)]
    [InlineData("0x3f\n", 63UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    [InlineData("01777777777777777777777", ulong.MaxValue)]
    public void Reads_like_kstrtoul_base_0(string text, ulong expected)
    {
        Assert.Equal(SysfsNumberStatus.Ok, SysfsNumber.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("08")]
    [InlineData("09")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("0x")]
    [InlineData("0xg")]
    [InlineData("-1")]
    [InlineData("+")]
    [InlineData("++5")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("5\n\n")]
    [InlineData("5x")]
    [InlineData("1.0")]
    public void Should_reject_what_is_no_unsigned_number(string text)
    {
        Assert.Equal(SysfsNumberStatus.Invalid, SysfsNumber.TryParse(text, out _));
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("99999999999999999999999")]
    [InlineData("0x10000000000000000")]
    [InlineData("02000000000000000000000")]
    [InlineData("18446744073709551616\n")]
    [InlineData("99999999999999999999999x")]
    public void Should_report_overflow_past_64_bits(string text)
    {
        Assert.Equal(SysfsNumberStatus.Overflow, SysfsNumber.TryParse(text, out _));
    }
}
