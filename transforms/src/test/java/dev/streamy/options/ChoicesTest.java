package dev.streamy.options;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

/** Enum options read as users type them, refused in one line naming the option. */
public class ChoicesTest {

  enum Colour {
    RED,
    GREEN,
    BLUE
  }

  @Test
  public void anyCaseIsAccepted() {
    assertEquals(Colour.GREEN, Choices.parse(Colour.class, "colour", "green"));
    assertEquals(Colour.GREEN, Choices.parse(Colour.class, "colour", " Green "));
    assertEquals("blue", Choices.text(Colour.BLUE));
  }

  @Test
  public void aBadValueNamesTheOptionAndTheChoices() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Choices.parse(Colour.class, "colour", "pink"));
    assertEquals("--colour=pink: use red, green or blue", e.getMessage());
  }
}
