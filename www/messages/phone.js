// Texts of the demo phone (phone.html, phone.js). The SMS texts themselves come from the
// portal as it sent them; a call is worded here, in the page's language, from the code in it.

export default {
  en: {
    pageTitle: 'secure-login: demo phone',
    language: 'Language',
    navHeading: 'Pages',
    navLogin: 'Log in',
    navAccount: 'Account',
    navPhone: 'Demo phone',
    navToken: 'Soft token',
    navCard: 'Security card',
    navCalculator: 'Code calculator',
    title: 'Demo phone',
    intro: 'The text messages and calls the portal sends go here, to this page, instead of to a real phone. '
      + 'Keep it open beside the login page.',
    'status.connecting': 'Connecting…',
    'status.live': 'Connected: new messages and calls appear at once.',
    'status.lost': 'Connection lost: reconnecting…',
    'status.none': 'This portal sends its codes to a real gateway, so there is no demo phone.',
    readAloud: 'Read calls aloud',
    'speech.needsTap': 'Your browser reads calls aloud only after you have tapped or clicked on this page; '
      + 'until then, use “Listen”.',
    'speech.unavailable': 'This browser cannot speak: read the transcript instead.',
    inboxHeading: 'Messages and calls',
    empty: 'No messages yet. Codes sent by SMS or by voice call appear here.',
    sms: 'Text message to {to}',
    call: 'Incoming call to {to}',
    transcript: 'Transcript',
    listen: 'Listen',
    callCode: 'Hello. Your secure-login code is: {digits}. Once more: {digits}. Never share it. Goodbye.',
    callActivation: 'Hello. Your secure-login activation code is: {digits}. Once more: {digits}. '
      + 'Never share it. Goodbye.',
    newSms: 'New text message: {text}',
    newCall: 'Incoming call: {text}',
  },
  de: {
    pageTitle: 'secure-login: Demo-Telefon',
    language: 'Sprache',
    navHeading: 'Seiten',
    navLogin: 'Anmelden',
    navAccount: 'Konto',
    navPhone: 'Demo-Telefon',
    navToken: 'Soft-Token',
    navCard: 'Sicherheitskarte',
    navCalculator: 'Code-Rechner',
    title: 'Demo-Telefon',
    intro: 'Die Textnachrichten und Anrufe des Portals landen hier, auf dieser Seite, statt auf einem echten '
      + 'Telefon. Lassen Sie sie neben der Anmeldeseite geöffnet.',
    'status.connecting': 'Verbindung wird aufgebaut …',
    'status.live': 'Verbunden: Neue Nachrichten und Anrufe erscheinen sofort.',
    'status.lost': 'Verbindung unterbrochen: Sie wird wiederhergestellt …',
    'status.none': 'Dieses Portal sendet seine Codes an ein echtes Gateway, daher gibt es kein Demo-Telefon.',
    readAloud: 'Anrufe vorlesen',
    'speech.needsTap': 'Ihr Browser liest Anrufe erst vor, nachdem Sie einmal auf diese Seite getippt oder '
      + 'geklickt haben; bis dahin verwenden Sie „Anhören“.',
    'speech.unavailable': 'Dieser Browser kann nicht sprechen: Lesen Sie stattdessen die Abschrift.',
    inboxHeading: 'Nachrichten und Anrufe',
    empty: 'Noch keine Nachrichten. Per SMS oder Sprachanruf gesendete Codes erscheinen hier.',
    sms: 'Textnachricht an {to}',
    call: 'Eingehender Anruf an {to}',
    transcript: 'Abschrift',
    listen: 'Anhören',
    callCode: 'Guten Tag. Ihr secure-login-Code lautet: {digits}. Ich wiederhole: {digits}. '
      + 'Geben Sie ihn nie weiter. Auf Wiederhören.',
    callActivation: 'Guten Tag. Ihr secure-login-Aktivierungscode lautet: {digits}. Ich wiederhole: {digits}. '
      + 'Geben Sie ihn nie weiter. Auf Wiederhören.',
    newSms: 'Neue Textnachricht: {text}',
    newCall: 'Eingehender Anruf: {text}',
  },
};
