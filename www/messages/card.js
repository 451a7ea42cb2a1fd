// Texts of the card page (card.html), English and German. The card's own screens (PIN>,
// CHALLNG>) are what the device shows and stay as they are, like on the real card.

export default {
  en: {
    pageTitle: 'Digital Security Card+ · secure-login',
    title: 'Digital Security Card+',
    language: 'Language',
    'status.loading': 'Loading the card…',
    'status.ready': 'Ready.',

    'setup.title': 'Your card',
    'setup.intro':
      'Load the card of a demo user. The card keeps its key, locked with the PIN that was set when it was issued.',
    'setup.demoCard': 'Demo card',
    'setup.load': 'Load card',
    'setup.loading': 'Loading the card…',
    'setup.owner': 'Card {serial} of {user}.',
    'setup.pinHint': 'The PIN of this demo card, set when it was issued: {pin}',
    'setup.remove': 'Remove card',

    'device.title': 'The card',
    'device.brand': 'Digital Security Card+',
    'device.label': 'Digital Security Card+ {serial}',
    'device.pressLabel': 'press (on/off)',
    'device.clearLabel': 'Clear',
    'device.backLabel': 'Back',
    'device.okLabel': 'OK',
    'device.keyboard': 'With a keyboard: digits, Enter for OK, Backspace for back, Escape for clear.',

    'lcd.off': 'The card is off.',
    'lcd.pin': 'PIN: {count} of 4 digits entered.',
    'lcd.challengeEmpty': 'Challenge: enter the 6 digits from the login screen.',
    'lcd.challenge': 'Challenge: {digits}',
    'lcd.response': 'Response: {digits}',

    'howto.title': 'How to log in with the card',
    'howto.step1':
      'Log in with your username and password. A 6-digit challenge appears on the login screen.',
    'howto.step2': 'Press “press” until PIN> appears, enter your 4-digit PIN and press OK.',
    'howto.step3': 'When CHALLNG> appears, enter the 6-digit challenge and press OK.',
    'howto.step4':
      'Type the 8 digits of the response into the login screen. If it expires, start over from step 1.',

    'error.Network': 'The server cannot be reached, so no card can be loaded. Check the connection.',
    'error.NoDemo': 'The portal offers no demo cards (it runs without --demo).',
    'error.WeakPin':
      'The card cannot be loaded: the library refuses its PIN as too easy to guess.',
    'error.InvalidPin': 'The card cannot be loaded: its PIN is not 4 digits.',
    'error.InvalidSecret': 'The card cannot be loaded: its key is unusable.',
    'error.InvalidSuite': 'The card uses a method this emulator does not know.',
    'error.UnsupportedSuite': 'The card uses a method this emulator does not support.',
    'error.CorruptRecord': 'The card kept in this browser is damaged; load it again.',
    'error.QuotaExceeded':
      'The browser has no room left to keep the card. Nothing was saved. Free some space and load it again.',
    'error.InvalidKey': 'The card has keys 0 to 9 only.',
    'error.other': 'Something went wrong: {message}',
  },

  de: {
    pageTitle: 'Digital Security Card+ · secure-login',
    title: 'Digital Security Card+',
    language: 'Sprache',
    'status.loading': 'Karte wird geladen …',
    'status.ready': 'Bereit.',

    'setup.title': 'Ihre Karte',
    'setup.intro':
      'Laden Sie die Karte eines Demo-Benutzers. Die Karte bewahrt ihren Schlüssel auf, gesperrt mit der PIN, die bei der Ausgabe festgelegt wurde.',
    'setup.demoCard': 'Demo-Karte',
    'setup.load': 'Karte laden',
    'setup.loading': 'Karte wird geladen …',
    'setup.owner': 'Karte {serial} von {user}.',
    'setup.pinHint': 'Die PIN dieser Demo-Karte, bei der Ausgabe festgelegt: {pin}',
    'setup.remove': 'Karte entfernen',

    'device.title': 'Die Karte',
    'device.brand': 'Digital Security Card+',
    'device.label': 'Digital Security Card+ {serial}',
    'device.pressLabel': 'press (Ein/Aus)',
    'device.clearLabel': 'Löschen',
    'device.backLabel': 'Zurück',
    'device.okLabel': 'OK',
    'device.keyboard':
      'Mit der Tastatur: Ziffern, Eingabetaste für OK, Rücktaste für Zurück, Esc für Löschen.',

    'lcd.off': 'Die Karte ist aus.',
    'lcd.pin': 'PIN: {count} von 4 Ziffern eingegeben.',
    'lcd.challengeEmpty': 'Prüfcode: Geben Sie die 6 Ziffern vom Login-Bildschirm ein.',
    'lcd.challenge': 'Prüfcode: {digits}',
    'lcd.response': 'Antwortcode: {digits}',

    'howto.title': 'So melden Sie sich mit der Karte an',
    'howto.step1':
      'Melden Sie sich mit Benutzername und Passwort an. Auf dem Login-Bildschirm erscheint ein 6-stelliger Prüfcode.',
    'howto.step2':
      'Drücken Sie „press“, bis PIN> erscheint, geben Sie Ihre 4-stellige PIN ein und drücken Sie OK.',
    'howto.step3': 'Sobald CHALLNG> erscheint, geben Sie den 6-stelligen Prüfcode ein und drücken Sie OK.',
    'howto.step4':
      'Geben Sie die 8 Ziffern des Antwortcodes in den Login-Bildschirm ein. Ist er abgelaufen, beginnen Sie wieder bei Schritt 1.',

    'error.Network':
      'Der Server ist nicht erreichbar, daher kann keine Karte geladen werden. Prüfen Sie die Verbindung.',
    'error.NoDemo': 'Das Portal bietet keine Demo-Karten an (es läuft ohne --demo).',
    'error.WeakPin':
      'Die Karte kann nicht geladen werden: Die Bibliothek lehnt ihre PIN als zu leicht zu erraten ab.',
    'error.InvalidPin': 'Die Karte kann nicht geladen werden: Ihre PIN hat nicht 4 Ziffern.',
    'error.InvalidSecret': 'Die Karte kann nicht geladen werden: Ihr Schlüssel ist unbrauchbar.',
    'error.InvalidSuite': 'Die Karte verwendet ein Verfahren, das dieser Emulator nicht kennt.',
    'error.UnsupportedSuite': 'Die Karte verwendet ein Verfahren, das dieser Emulator nicht unterstützt.',
    'error.CorruptRecord': 'Die in diesem Browser gespeicherte Karte ist beschädigt; laden Sie sie erneut.',
    'error.QuotaExceeded':
      'Der Browser hat keinen Platz mehr, um die Karte zu behalten. Es wurde nichts gespeichert. Schaffen Sie Platz und laden Sie sie erneut.',
    'error.InvalidKey': 'Die Karte hat nur die Tasten 0 bis 9.',
    'error.other': 'Etwas ist schiefgegangen: {message}',
  },
};
